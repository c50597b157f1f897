package io.sluice.loader;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Configuration that applies only when {@code sluice.loader.sink} names this kind (bound as Spring binds the property,
 * so {@code object-storage}, {@code OBJECT_STORAGE} and {@code objectStorage} all match).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Conditional(ConditionalOnSink.OnSink.class)
public @interface ConditionalOnSink {

    SinkKind value();

    /** Matches the configured sink against the annotation's. */
    final class OnSink implements Condition {

        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            Object wanted = metadata.getAnnotationAttributes(ConditionalOnSink.class.getName())
                    .get("value");
            return configured(Binder.get(context.getEnvironment())) == wanted;
        }

        static SinkKind configured(Binder binder) {
            return binder.bind("sluice.loader.sink", SinkKind.class).orElse(SinkKind.POSTGRESQL);
        }
    }
}
