// Thread count control for the OpenMP-parallel kernels.
#pragma once

namespace internvl {

/// Sets the number of threads kernels use (<= 0: all hardware threads).
void set_num_threads(int n);
/// Current number of kernel threads.
int num_threads();

}  // namespace internvl
