// V8 settings for a podpath run: one short process. V8's optimizing compiler inlines as deeply
// as it would for a long-lived server, and on a small machine (2 cores) that compiling runs
// beside the analysis and slows it: the first policy matrix of a 10,000-pod cluster with
// AdminNetworkPolicies and Calico policies took ~190 ms with the default inlining budget and
// ~140 ms with this one, `podpath check`'s rules ~490 and ~375 ms, while code that runs long
// enough to be fully compiled (the editor's worker on every save, traces) is as fast either way.
// `npm run bench` measures the CLI's first matrix with these flags.
module.exports = ['--max-inlined-bytecode-size-cumulative=200'];
