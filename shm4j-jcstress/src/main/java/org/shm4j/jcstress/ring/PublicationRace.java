package org.shm4j.jcstress.ring;

import java.util.function.ToIntFunction;
import org.openjdk.jcstress.infra.results.III_Result;
import org.shm4j.ring.RecordHandler;

/**
 * The reading side of a publication test: one poll that races the writing actor (the reader actor)
 * and one after both actors finished (the arbiter). The outcome is (records the racing poll
 * delivered, the {@link Payload} value it saw, records the final poll delivered): a record is
 * delivered once and whole, either by the racing poll or by the final one.
 */
final class PublicationRace {
    private final ToIntFunction<RecordHandler> poll;
    private final Tally racing = new Tally();
    private final Tally after = new Tally();

    /** @param poll one non-waiting poll of the consumer or receiver under test */
    PublicationRace(ToIntFunction<RecordHandler> poll) {
        this.poll = poll;
    }

    /** For the reader actor: r1 and r2. */
    void racingPoll(III_Result r) {
        r.r1 = poll.applyAsInt(racing);
        r.r2 = racing.value();
    }

    /** For the arbiter: r3. */
    void finalPoll(III_Result r) {
        r.r3 = poll.applyAsInt(after);
    }
}
