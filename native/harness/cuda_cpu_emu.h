// Maps the CUDA built-ins that rnn4j_kernels.cu uses onto plain C++ so the same source compiles
// with g++ and runs on the CPU: every (block, thread) pair of a launch runs serially, in an order
// the caller picks (forward, reverse, shuffled), under ASan/UBSan in the tests.
//
// Deliberately missing, so a kernel that uses them does not compile here: __shared__,
// __syncthreads, warp intrinsics, atomics. The kernels' threads must be independent (each
// grid-stride loop iteration touches only its own outputs), which is what makes a serial run in
// any order equivalent to the parallel one.
#pragma once
#define RNN4J_CPU_EMU 1

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static_assert(false, "__shared__ is not supported by the CPU harness");

struct uint3 { unsigned int x, y, z; };
struct dim3 {
    unsigned int x, y, z;
    dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};

inline thread_local uint3 threadIdx{0, 0, 0};
inline thread_local uint3 blockIdx{0, 0, 0};
inline thread_local dim3 blockDim{1, 1, 1};
inline thread_local dim3 gridDim{1, 1, 1};

void __syncthreads() = delete;

// expf, tanhf, sqrtf: the C library's float functions from <cmath> (math.h), accurate like CUDA's
// non-fast-math versions (results differ by a few ulp; the tests use float tolerances).

namespace cuemu {
enum class Order { Forward = 0, Reverse = 1, Shuffled = 2 };

// Runs kernel(args...) once per (block, thread) of a 1-D grid, in the given order.
template <typename Kernel, typename... Args>
void launch(Kernel kernel, unsigned int grid, unsigned int block, Order order, unsigned int seed, Args... args) {
    std::vector<unsigned int> ids(static_cast<size_t>(grid) * block);
    std::iota(ids.begin(), ids.end(), 0u);
    if (order == Order::Reverse) std::reverse(ids.begin(), ids.end());
    if (order == Order::Shuffled) {
        std::mt19937 rng(seed);
        std::shuffle(ids.begin(), ids.end(), rng);
    }
    gridDim = dim3(grid);
    blockDim = dim3(block);
    for (unsigned int id : ids) {
        blockIdx = uint3{id / block, 0, 0};
        threadIdx = uint3{id % block, 0, 0};
        kernel(args...);
    }
}
}  // namespace cuemu
