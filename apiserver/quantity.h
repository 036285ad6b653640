// Kubernetes resource.Quantity formatting of a served value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace prescale::apiserver {

// The canonical Quantity string Kubernetes would emit for `value`: the value is taken as its
// shortest round-trip decimal spelling (so 1.1 is 1.1, not 1.1000000000000000888), rounded up to
// milli-units as Quantity does, and written with no fraction and the largest exact decimal
// suffix: 0 -> "0", 1.5 -> "1500m", 0.0001 -> "1m", 2000 -> "2k", 1e12 -> "1T".
// Magnitudes beyond what Quantity's int64 milli-value holds are clamped to +/-(2^63-1)m.
// Returns nullopt for NaN and infinities, which a Quantity cannot express. Pure, thread-safe.
std::optional<std::string> FormatQuantity(double value);

// ceil(value * 1000) as Kubernetes' Quantity.MilliValue() would read the formatted string.
// nullopt for NaN and infinities.
std::optional<int64_t> MilliValue(double value);

}  // namespace prescale::apiserver
