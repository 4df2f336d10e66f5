package org.shm4j.internal.os;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which VMs the fault delivery is promised on, and that the barrier is a no-op without a fault. */
class FaultBarrierTest {
    @Test
    void deliveryIsPromisedOnHotSpotWithoutJvmciOnly() {
        assertThat(FaultBarrier.verifiedVm("OpenJDK 64-Bit Server VM", "false")).isTrue();
        assertThat(FaultBarrier.verifiedVm("Java HotSpot(TM) 64-Bit Server VM", "false")).isTrue();
        assertThat(FaultBarrier.verifiedVm("Java HotSpot(TM) 64-Bit Server VM", "true")).isFalse();
        assertThat(FaultBarrier.verifiedVm("Eclipse OpenJ9 VM", "false")).isFalse();
        assertThat(FaultBarrier.verifiedVm("", "false")).isFalse();
        // The VM these tests run on is one the contract is verified on.
        assertThat(FaultBarrier.VERIFIED_VM).isTrue();
    }

    @Test
    void withoutAPendingFaultTheBarrierReturns() {
        for (int i = 0; i < 1000; i++) {
            FaultBarrier.deliverPendingFault();
        }
    }
}
