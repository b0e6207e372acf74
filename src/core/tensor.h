// Tensor is a public type (include/internvl/tensor.h); internal code also gets the checks.
#pragma once

#include "core/check.h"
#include "internvl/tensor.h"
