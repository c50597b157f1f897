package io.sluice.common.pause;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /pause}, {@code POST /pause}, {@code POST /resume}: this replica's pause, behind the admin token. */
@RestController
class PauseController {

    private final StagePause pause;

    PauseController(StagePause pause) {
        this.pause = pause;
    }

    @GetMapping("/pause")
    Map<String, Object> state() {
        return describe(null);
    }

    @PostMapping("/pause")
    Map<String, Object> pause() {
        return describe(pause.pause() ? "paused" : "already paused");
    }

    @PostMapping("/resume")
    Map<String, Object> resume() {
        return describe(pause.resume() ? "resumed" : "was not paused");
    }

    private Map<String, Object> describe(String change) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("stage", pause.stage().id());
        state.put("paused", pause.paused());
        if (pause.since() != null) {
            state.put("since", pause.since().toString());
        }
        if (change != null) {
            state.put("change", change);
        }
        return state;
    }
}
