// Image is a public type; see include/internvl/image.h.
#pragma once

#include "internvl/image.h"
