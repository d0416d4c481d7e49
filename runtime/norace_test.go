//go:build !race

// This file tells tests that the race detector is off.
package runtime

const raceEnabled = false
