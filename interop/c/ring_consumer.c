/*
 * ring_consumer <name> <count> [skip_ms]: reads count test records and checks each; prints
 * OK <count> skipped=<n>. With skip_ms, a head blocked that long by a dead producer's claim or
 * reservation is stepped over (shm4j_ring_skip_blocked).
 */
#include "ring_common.h"

typedef struct { uint64_t next; int bad; } state;

static void on_record(void *context, int32_t type_id, const uint8_t *payload, uint32_t length) {
    state *s = context;
    if (type_id != (int32_t)(s->next % 1000) || !check_payload(payload, length, s->next)) {
        if (!s->bad) fprintf(stderr, "bad record at %llu: type=%d length=%u\n", (unsigned long long)s->next, type_id, length);
        s->bad = 1;
    }
    s->next++;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) { fprintf(stderr, "usage: ring_consumer <name> <count> [skip_ms]\n"); return 1; }
    uint64_t skip_ns = argc == 4 ? strtoull(argv[3], NULL, 10) * 1000000ULL : 0;
    uint64_t skipped = 0;
    shm4j_ring ring;
    size_t size;
    void *base = open_ring(argv[1], &ring, &size);
    if (shm4j_ring_consumer(&ring) != SHM4J_OK) { fprintf(stderr, "consumer role busy\n"); return 4; }
    printf("READY\n");
    fflush(stdout);
    uint64_t count = strtoull(argv[2], NULL, 10);
    state s = {0, 0};
    time_t last = time(NULL);
    while (s.next < count && !s.bad) {
        int n = shm4j_ring_poll(&ring, on_record, &s, 100);
        if (n < 0) { fprintf(stderr, "poll failed: rc=%d\n", n); return 6; }
        if (n == 0 && skip_ns) {
            int rc = shm4j_ring_skip_blocked(&ring, skip_ns);
            if (rc < 0) { fprintf(stderr, "skip failed: rc=%d\n", rc); return 6; }
            skipped += (uint64_t)rc;
        }
        if (n == 0) {
            if (time(NULL) - last > 60) { fprintf(stderr, "nothing for 60 s after %llu\n", (unsigned long long)s.next); return 5; }
            pause_briefly();
        } else {
            last = time(NULL);
        }
    }
    shm4j_ring_detach(&ring);
    munmap(base, size);
    if (s.bad) return 7;
    printf("OK %llu skipped=%llu\n", (unsigned long long)s.next, (unsigned long long)skipped);
    return 0;
}
