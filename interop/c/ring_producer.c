/* ring_producer <name> <count>: writes count test records (type = seq % 1000) into an SPSC or MPSC ring. */
#include "ring_common.h"

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: ring_producer <name> <count>\n"); return 1; }
    shm4j_ring ring;
    size_t size;
    void *base = open_ring(argv[1], &ring, &size);
    if (shm4j_ring_producer(&ring) != SHM4J_OK) { fprintf(stderr, "producer role busy\n"); return 4; }
    uint64_t count = strtoull(argv[2], NULL, 10);
    uint8_t payload[512];
    for (uint64_t seq = 0; seq < count; seq++) {
        fill_payload(payload, seq);
        int rc;
        time_t start = time(NULL);
        while ((rc = shm4j_ring_offer(&ring, (int32_t)(seq % 1000), payload, payload_length(seq))) == SHM4J_FULL) {
            if (time(NULL) - start > 60) { fprintf(stderr, "full for 60 s at %llu\n", (unsigned long long)seq); return 5; }
            pause_briefly();
        }
        if (rc < 0) { fprintf(stderr, "offer failed: rc=%d\n", rc); return 6; }
    }
    shm4j_ring_detach(&ring);
    munmap(base, size);
    printf("SENT %llu\n", (unsigned long long)count);
    return 0;
}
