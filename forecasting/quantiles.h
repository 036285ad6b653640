// Quantile functions of the normal and Student t distributions. Pure, thread-safe.
#pragma once

namespace prescale::forecasting {

// Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9).
double NormalQuantile(double p);

// Inverse of Student's t CDF with df >= 1 degrees of freedom: exact for df 1 and 2, otherwise
// the Cornish-Fisher expansion in 1/df (Abramowitz & Stegun 26.7.5; within 0.5 % for df >= 3
// and p in [0.01, 0.99]).
double StudentQuantile(double p, double df);

}  // namespace prescale::forecasting
