// Boost.Interprocess peer for BoostInteropTest: opens the shm4j segment by name, prints the
// string Java wrote at offset 0, writes its reply at offset 4096.
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <cstdio>
#include <cstring>

namespace bip = boost::interprocess;

int main(int argc, char **argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: boost_peer NAME REPLY\n");
        return 2;
    }
    try {
        bip::shared_memory_object shm(bip::open_only, argv[1], bip::read_write);
        bip::offset_t size = 0;
        shm.get_size(size);
        bip::mapped_region region(shm, bip::read_write);
        char *base = static_cast<char *>(region.get_address());
        std::printf("boost read: %.*s size=%lld\n", 64, base, static_cast<long long>(size));
        std::strncpy(base + 4096, argv[2], 64);
        return 0;
    } catch (const bip::interprocess_exception &e) {
        std::fprintf(stderr, "boost error: %s\n", e.what());
        return 1;
    }
}
