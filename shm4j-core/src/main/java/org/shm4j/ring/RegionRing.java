package org.shm4j.ring;

import java.time.Duration;

/**
 * What {@link SpscRing} and {@link MpscRing} share: a {@link RingRegion} and the operations that
 * only delegate to it. The two differ in their type and in how producers reserve space, which the
 * region and {@link RingProducer} decide from the header's ring type.
 */
abstract sealed class RegionRing implements MessageRing permits SpscRing, MpscRing {
    final RingRegion region;

    RegionRing(RingRegion region) {
        this.region = region;
    }

    @Override
    public boolean created() {
        return region.created;
    }

    @Override
    public long capacityBytes() {
        return region.capacity;
    }

    @Override
    public int maxPayloadBytes() {
        return region.maxPayload;
    }

    @Override
    public RingProducer producer(WaitStrategy wait) throws RingBusyException {
        return RingProducer.open(region, wait);
    }

    @Override
    public RingConsumer consumer(WaitStrategy wait, Duration skipTimeout) throws RingBusyException {
        return RingConsumer.open(region, wait, skipTimeout);
    }

    @Override
    public RingStats stats() {
        return region.stats();
    }

    @Override
    public void close() {
        region.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[name=" + region.name + ", capacity=" + region.capacity + "]";
    }
}
