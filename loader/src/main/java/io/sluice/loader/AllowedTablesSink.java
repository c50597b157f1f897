package io.sluice.loader;

import io.sluice.common.batch.ChangeBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * The allow-list in front of a sink that names its keys or files after the batch's table (Redis, object storage):
 * a batch of a table the loader may not write is refused with the reason before the sink sees it, so that whoever can
 * publish to the broker cannot make the loader write Sluice's own keys or another application's. The PostgreSQL sink
 * checks the target each table rule maps to itself ({@link MergeWriter}).
 */
final class AllowedTablesSink implements Sink {

    private final Sink sink;
    private final TargetAllowList allowList;

    AllowedTablesSink(Sink sink, TargetAllowList allowList) {
        this.sink = sink;
        this.allowList = allowList;
    }

    @Override
    public Result write(List<ChangeBatch> batches) throws Exception {
        List<ChangeBatch> allowed = new ArrayList<>(batches.size());
        List<Refused> refused = new ArrayList<>();
        for (ChangeBatch batch : batches) {
            String refusal = allowList.refusal(batch.table());
            if (refusal == null) {
                allowed.add(batch);
            } else {
                refused.add(new Refused(batch, refusal));
            }
        }
        Result refusals = new Result(java.util.Map.of(), refused);
        return allowed.isEmpty() ? refusals : sink.write(allowed).merge(refusals);
    }

    @Override
    public boolean isTransient(Throwable failure) {
        return sink.isTransient(failure);
    }
}
