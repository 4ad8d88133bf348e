//go:build !race

package examples_test

// raceEnabled is true when the test is built with -race: the examples are
// then built with the race detector as well.
const raceEnabled = false
