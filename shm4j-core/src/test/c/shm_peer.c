/*
 * Interop peer for shm4j's tests: opens or creates a POSIX shared-memory object with shm_open and
 * mmap, exactly as any C program would, and checks or writes the byte patterns the Java side
 * writes or checks.
 *
 *   shm_peer reply  <name> <size>   open, check Java's pattern in [0, half), write ours in [half, size)
 *   shm_peer create <name> <size>   create (O_EXCL, 0600), write ours in [half, size)
 *
 * Java's pattern: byte i = (i * 7 + 3) & 0xff. C's pattern: byte i = (i * 11 + 5) & 0xff.
 * Exit status 0 on success; every failure prints what failed and exits non-zero.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned char java_byte(size_t i) { return (unsigned char) ((i * 7 + 3) & 0xff); }
static unsigned char c_byte(size_t i) { return (unsigned char) ((i * 11 + 5) & 0xff); }

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s reply|create <name> <size>\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    char name[300];
    snprintf(name, sizeof name, "/%s", argv[2]);
    size_t size = strtoull(argv[3], NULL, 10);
    size_t half = size / 2;
    int creating = strcmp(mode, "create") == 0;

    int fd = creating ? shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600) : shm_open(name, O_RDWR, 0);
    if (fd < 0) {
        printf("C shm_open failed: name=%s, errno=%d (%s)\n", name, errno, strerror(errno));
        return 3;
    }
    if (creating && ftruncate(fd, (off_t) size) != 0) {
        printf("C ftruncate failed: errno=%d\n", errno);
        return 4;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || (size_t) st.st_size != size) {
        printf("C size mismatch: expected=%zu, actual=%lld\n", size, (long long) st.st_size);
        return 5;
    }
    unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        printf("C mmap failed: errno=%d\n", errno);
        return 6;
    }
    close(fd);
    if (!creating) {
        for (size_t i = 0; i < half; i++) {
            if (p[i] != java_byte(i)) {
                printf("C MISMATCH at=%zu, expected=%u, actual=%u\n", i, java_byte(i), p[i]);
                return 7;
            }
        }
        printf("C SAW %zu bytes from Java\n", half);
    }
    for (size_t i = half; i < size; i++) {
        p[i] = c_byte(i);
    }
    printf("C WROTE %zu bytes\n", size - half);
    munmap(p, size);
    return 0;
}
