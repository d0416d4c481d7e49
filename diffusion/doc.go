// Package diffusion samples diffusion models with dlc kernels: DDPM, DDIM(η),
// Analytic-DPM (Bao et al. 2201.06503) and Extended-Analytic-DPM (SN and NPR,
// Bao et al. 2206.07309), in the notation of MATH.md §3.
//
// The host side is float64: a Schedule (linear or cosine β, ᾱ and a precise
// 1−ᾱ), the Trajectory of K respaced steps, the per-step coefficients
// (Step.Lambda2, AnalyticVariance) and Analytic-DPM's Γ_t table (GammaTable,
// Monte Carlo over training data, cached per schedule and timestep). The
// kernels get every coefficient as a scalar, so a new step or a new K never
// recompiles. Per step a Sampler calls the Model once (ε̂, plus the
// second-moment heads for the Extended kinds) and one step kernel of
// std/diffusion (ddim.dl, variance.dl), in place.
//
// Every program runs through an Engine: Compiled (built artifact, runtime) or
// Interpreted (the float64 interpreter on the unoptimized IR). Open falls back
// to the interpreter, with the reason, when a program does not compile yet.
//
// GMM is a Gaussian mixture whose exact ε(x_t) and E[ε²|x_t] are known: its
// float64 truth here and the same model as a .dl program (gmm.dl, run by
// GMMProgram). NLL computes the variational bound of a trajectory, SlicedW2
// and GMM.MeanLogDensity / GMM.Spread the distance of samples to the data;
// examples/diffusion puts them together.
package diffusion
