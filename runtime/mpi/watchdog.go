// This file bounds how long a collective may take: a goroutine watches the
// call in progress and, past Config.Timeout, prints which call on which rank
// hung and aborts the whole job, so that a rank whose peer died or hangs
// never waits forever.
package mpi

import (
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/ebitengine/purego"
)

// watchdog watches one Comm's collectives.
type watchdog struct {
	c       *Comm
	timeout time.Duration
	since   atomic.Int64 // when the call in progress began (UnixNano), 0 when none
	call    atomic.Int32 // which call (a callID)
	done    chan struct{}
}

// callID names a collective for the watchdog without allocating.
type callID int32

const (
	callAllreduce callID = iota
	callReduceScatter
	callAllgather
	callBcast
	callBarrier
)

func (id callID) String() string {
	switch id {
	case callAllreduce:
		return "MPI_Allreduce"
	case callReduceScatter:
		return "MPI_Reduce_scatter"
	case callAllgather:
		return "MPI_Allgather"
	case callBcast:
		return "MPI_Bcast"
	case callBarrier:
		return "MPI_Barrier"
	}
	return fmt.Sprintf("call(%d)", int32(id))
}

// startWatchdog starts watching c's collectives.
func startWatchdog(c *Comm, timeout time.Duration) *watchdog {
	w := &watchdog{c: c, timeout: timeout, done: make(chan struct{})}
	go w.run()
	return w
}

// enter records that call begins now.
func (w *watchdog) enter(id callID) {
	w.call.Store(int32(id))
	w.since.Store(time.Now().UnixNano())
}

// leave records that the call returned.
func (w *watchdog) leave() { w.since.Store(0) }

// stop ends the watch.
func (w *watchdog) stop() { close(w.done) }

// run checks the call in progress several times per timeout.
func (w *watchdog) run() {
	tick := max(w.timeout/8, 10*time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-w.done:
			return
		case now := <-t.C:
			since := w.since.Load()
			if since != 0 && now.UnixNano()-since > int64(w.timeout) {
				w.fire(callID(w.call.Load()), time.Duration(now.UnixNano()-since))
			}
		}
	}
}

// fire reports the hung call and ends the job: MPI_Abort asks the launcher
// to end every rank; if it returns, this process exits by itself.
func (w *watchdog) fire(id callID, waited time.Duration) {
	fmt.Fprintf(os.Stderr, "mpi: rank %d of %d: %v has not returned after %v (timeout %v): a peer rank died or hangs; aborting the job\n",
		w.c.rank, w.c.size, id, waited.Round(time.Millisecond), w.timeout)
	purego.SyscallN(w.c.lib.abort, w.c.comm, 1)
	os.Exit(1)
}
