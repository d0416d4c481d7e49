//go:build race

// This file tells tests that the race detector is on; it allocates on synchronization.
package runtime

const raceEnabled = true
