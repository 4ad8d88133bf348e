package xaitest

import (
	"sync"
	"time"
)

// Clock is the fake's notion of the current time. It decides creation
// timestamps and when stored responses, deferred results and files expire.
// A Clock is safe for concurrent use.
//
// A Clock made by [NewClock] stands still until Set or Advance moves it. The
// clock a Server makes for itself when none is given follows the wall clock;
// Set and Advance shift it, and it keeps ticking from there.
type Clock struct {
	mu     sync.Mutex
	manual bool
	now    time.Time     // the time of a manual clock
	offset time.Duration // added to the wall clock otherwise
}

// NewClock returns a manual clock that stands at t until moved.
func NewClock(t time.Time) *Clock {
	return &Clock{manual: true, now: t}
}

// newWallClock returns a clock that follows time.Now.
func newWallClock() *Clock {
	return &Clock{}
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.manual {
		return c.now
	}
	return time.Now().Add(c.offset)
}

// Set moves the clock to t. A wall clock keeps ticking from t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.manual {
		c.now = t
		return
	}
	c.offset = time.Until(t)
}

// Advance moves the clock forward by d (backward when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.manual {
		c.now = c.now.Add(d)
		return
	}
	c.offset += d
}
