// Package plan works out, for each kernel group of a scheduled IR function,
// what the kernel reads and writes: its kind, domain and work units, its
// buffers and scalar arguments in the order the runtime passes them, and the
// artifact.Kernel descriptor that tells the runtime so; and which index
// inputs the runtime checks before any kernel runs. It is the same for every
// backend: only how a kernel iterates over its units differs.
package plan
