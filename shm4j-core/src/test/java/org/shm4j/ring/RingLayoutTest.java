package org.shm4j.ring;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.PathElement.sequenceElement;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RingLayoutTest {
    private static long offset(String field) {
        return RingLayout.HEADER.byteOffset(groupElement(field));
    }

    @Test
    void headerOffsetsMatchTheLayout() {
        assertThat(offset("magic")).isEqualTo(RingLayout.MAGIC_OFFSET);
        assertThat(offset("layoutVersion")).isEqualTo(RingLayout.VERSION_OFFSET);
        assertThat(offset("ringType")).isEqualTo(RingLayout.TYPE_OFFSET);
        assertThat(offset("capacity")).isEqualTo(RingLayout.CAPACITY_OFFSET);
        assertThat(offset("dataOffset")).isEqualTo(RingLayout.DATA_OFFSET_OFFSET);
        assertThat(offset("maxPayload")).isEqualTo(RingLayout.MAX_PAYLOAD_OFFSET);
        assertThat(offset("recordHeaderLength")).isEqualTo(RingLayout.RECORD_HEADER_LENGTH_OFFSET);
        assertThat(offset("creator")).isEqualTo(RingLayout.CREATOR_OFFSET);
        assertThat(offset("startPosition")).isEqualTo(RingLayout.START_POSITION_OFFSET);
        assertThat(offset("producerSlots")).isEqualTo(RingLayout.PRODUCER_SLOTS_OFFSET);
        assertThat(offset("tail")).isEqualTo(RingLayout.TAIL_OFFSET);
        assertThat(offset("producerIdentity")).isEqualTo(RingLayout.PRODUCER_IDENTITY_OFFSET);
        assertThat(offset("messagesWritten")).isEqualTo(RingLayout.MESSAGES_WRITTEN_OFFSET);
        assertThat(offset("payloadBytesWritten")).isEqualTo(RingLayout.PAYLOAD_BYTES_WRITTEN_OFFSET);
        assertThat(offset("tailIntent")).isEqualTo(RingLayout.TAIL_INTENT_OFFSET);
        assertThat(offset("latestPosition")).isEqualTo(RingLayout.LATEST_POSITION_OFFSET);
        assertThat(offset("head")).isEqualTo(RingLayout.HEAD_OFFSET);
        assertThat(offset("consumerIdentity")).isEqualTo(RingLayout.CONSUMER_IDENTITY_OFFSET);
        assertThat(offset("messagesRead")).isEqualTo(RingLayout.MESSAGES_READ_OFFSET);
        assertThat(offset("payloadBytesRead")).isEqualTo(RingLayout.PAYLOAD_BYTES_READ_OFFSET);
        assertThat(offset("skippedRecords")).isEqualTo(RingLayout.SKIPPED_RECORDS_OFFSET);
        assertThat(offset("skippedBytes")).isEqualTo(RingLayout.SKIPPED_BYTES_OFFSET);
        assertThat(offset("dataSignal")).isEqualTo(RingLayout.DATA_SIGNAL_OFFSET);
        assertThat(offset("dataWaiters")).isEqualTo(RingLayout.DATA_WAITERS_OFFSET);
        assertThat(offset("spaceSignal")).isEqualTo(RingLayout.SPACE_SIGNAL_OFFSET);
        assertThat(offset("spaceWaiters")).isEqualTo(RingLayout.SPACE_WAITERS_OFFSET);
        assertThat(offset("slots")).isEqualTo(RingLayout.SLOTS_OFFSET);
        assertThat(RingLayout.HEADER.byteOffset(groupElement("slots"), sequenceElement(1), groupElement("messagesWritten")))
                .isEqualTo(RingLayout.SLOTS_OFFSET + RingLayout.SLOT_LENGTH + RingLayout.SLOT_MESSAGES);
        assertThat(RingLayout.HEADER.byteSize()).isEqualTo(RingLayout.DATA_OFFSET);
    }

    @Test
    void magicSpellsShm4RingInLittleEndian() {
        byte[] bytes = new byte[8];
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(RingLayout.MAGIC);
        assertThat(new String(bytes, StandardCharsets.US_ASCII)).isEqualTo("SHM4RING");
    }

    @Test
    void recordLengthsAreAlignedAndMaxPayloadFitsHalfTheRing() {
        assertThat(RingLayout.recordLength(0)).isEqualTo(16);
        assertThat(RingLayout.recordLength(1)).isEqualTo(24);
        assertThat(RingLayout.recordLength(8)).isEqualTo(24);
        assertThat(RingLayout.recordLength(64)).isEqualTo(80);
        assertThat(RingLayout.broadcastRecordLength(64)).isEqualTo(88);
        assertThat(RingLayout.maxPayload(RingType.SPSC, 64)).isEqualTo(16);
        assertThat(RingLayout.recordLength(RingLayout.maxPayload(RingType.MPSC, 1L << 34))).isEqualTo(1L << 30);
        assertThat(RingLayout.broadcastRecordLength(RingLayout.maxPayload(RingType.BROADCAST, 4096))).isEqualTo(2048);
    }
}
