// Package mpi runs collective operations (all-reduce, reduce-scatter,
// all-gather, broadcast, barrier) across the processes of an MPI job through
// OpenMPI's libmpi, opened at run time with purego: dlc keeps building with
// CGO_ENABLED=0, and a program that never asks for MPI never loads it.
//
// A program started by mpirun calls Init once, uses the returned Comm's
// methods on host tensors, and calls Finalize before it exits:
//
//	c, err := mpi.Init(mpi.Config{Timeout: time.Minute})
//	...
//	err = c.Allreduce(runtime.F32(grad), runtime.F32(grad), mpi.Sum) // in place
//	...
//	err = c.Finalize()
//
// Every failed MPI call is an *Error naming the call: the Comm's communicator
// returns errors (MPI_ERRORS_RETURN) instead of aborting the job.
package mpi

import (
	"errors"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/ebitengine/purego"
)

// Config says which library to open and how long a collective may take.
// The zero value opens DefaultLibrary and never times out.
type Config struct {
	// Library is the MPI library to open; DefaultLibrary when empty.
	Library string
	// Timeout, when positive, bounds every collective call: a call that has
	// not returned after Timeout (a peer that hangs, or died without the
	// launcher noticing) makes the process print an error naming the call
	// and abort the whole job with MPI_Abort, so no rank waits forever.
	Timeout time.Duration
}

// Comm is a communicator over every process of the job (a duplicate of
// MPI_COMM_WORLD, so dlc's traffic never mixes with the program's own MPI
// calls). Its methods may be called from any goroutine; calls on one Comm
// are serialized.
type Comm struct {
	lib  *library
	comm uintptr // the duplicated communicator (an MPI_Comm)
	rank int
	size int
	// owner is set when Init called MPI_Init_thread, and so Finalize calls
	// MPI_Finalize.
	owner bool

	mu      sync.Mutex
	closed  bool
	args    [8]uintptr // SyscallN arguments, reused (see RATIONALE.md)
	out     int32      // an int an MPI call writes
	errText [maxErrorString]byte
	counts  []int32 // ReduceScatter's recvcounts, every one its block's
	dog     *watchdog
}

// Init opens the MPI library, initializes MPI with full thread support
// unless the program already did, and returns a communicator over every
// process of the job. A missing library, a library that is not OpenMPI 4,
// MPI finalized earlier in this process and an MPI without thread support
// are each an error that says which.
func Init(cfg Config) (*Comm, error) {
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("mpi: Timeout is %v; it must be positive, or 0 for none", cfg.Timeout)
	}
	lib, err := openLibrary(cfg.Library)
	if err != nil {
		return nil, err
	}
	c := &Comm{lib: lib}
	if err := c.start(); err != nil {
		return nil, err
	}
	if cfg.Timeout > 0 {
		c.dog = startWatchdog(c, cfg.Timeout)
	}
	return c, nil
}

// start initializes MPI when needed, duplicates MPI_COMM_WORLD, makes it
// return errors, and reads the rank and size.
func (c *Comm) start() error {
	l := c.lib
	if err := c.call("MPI_Finalized", l.finalized, c.outAddr()); err != nil {
		return err
	}
	if c.out != 0 {
		return errors.New("mpi: MPI was finalized earlier in this process, and MPI cannot be initialized twice")
	}
	if err := c.call("MPI_Initialized", l.initialized, c.outAddr()); err != nil {
		return err
	}
	if c.out == 0 {
		// MPI_Init_thread(NULL, NULL, required, &provided)
		if err := c.call("MPI_Init_thread", l.initThread, 0, 0, threadMultiple, c.outAddr()); err != nil {
			return err
		}
		c.owner = true
	} else if err := c.call("MPI_Query_thread", l.queryThread, c.outAddr()); err != nil {
		return err
	}
	if c.out < threadSerialized {
		return c.fail(fmt.Errorf("mpi: %s provides thread level %d; dlc calls MPI from several OS threads and needs MPI_THREAD_SERIALIZED (2) or more", l.path, c.out))
	}
	if err := c.call("MPI_Comm_dup", l.commDup, l.commWorld, uintptr(unsafe.Pointer(&c.comm))); err != nil {
		return c.fail(err)
	}
	if err := c.call("MPI_Comm_set_errhandler", l.commSetErrhandler, c.comm, l.errorsReturn); err != nil {
		return c.fail(err)
	}
	if err := c.call("MPI_Comm_rank", l.commRank, c.comm, c.outAddr()); err != nil {
		return c.fail(err)
	}
	c.rank = int(c.out)
	if err := c.call("MPI_Comm_size", l.commSize, c.comm, c.outAddr()); err != nil {
		return c.fail(err)
	}
	c.size = int(c.out)
	return nil
}

// fail undoes what start did and returns err.
func (c *Comm) fail(err error) error {
	if c.comm != 0 {
		c.call("MPI_Comm_free", c.lib.commFree, uintptr(unsafe.Pointer(&c.comm)))
	}
	if c.owner {
		c.call("MPI_Finalize", c.lib.finalize)
	}
	c.closed = true
	return err
}

// Rank is this process's rank, 0 ≤ Rank < Size.
func (c *Comm) Rank() int { return c.rank }

// Size is the number of processes in the job.
func (c *Comm) Size() int { return c.size }

// Finalize frees the communicator and, if Init initialized MPI, finalizes
// it; no MPI call may follow in this process. Every rank must call it.
// Calling it again does nothing.
func (c *Comm) Finalize() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.dog != nil {
		c.dog.stop()
	}
	err := c.call("MPI_Comm_free", c.lib.commFree, uintptr(unsafe.Pointer(&c.comm)))
	if c.owner {
		err = errors.Join(err, c.call("MPI_Finalize", c.lib.finalize))
	}
	return err
}

// Abort ends every process of the job with the given exit code
// (MPI_Abort); it does not return unless MPI fails to abort.
// It takes no lock and shares no scratch with the collectives, so it may be
// called while another goroutine waits in one.
func (c *Comm) Abort(code int) error {
	r, _, _ := purego.SyscallN(c.lib.abort, c.comm, uintptr(code))
	if code := int32(r); code != 0 {
		return &Error{Call: "MPI_Abort", Code: int(code), Class: -1}
	}
	return nil
}

// outAddr is the address of c.out, for MPI calls that write an int. c lives
// on the Go heap, which does not move.
func (c *Comm) outAddr() uintptr { return uintptr(unsafe.Pointer(&c.out)) }

// call calls the MPI function at fn with args and turns its result into an
// error naming the call. The arguments go through c.args so that the call
// does not allocate (purego.SyscallN's variadic slice escapes otherwise).
// The caller holds c.mu, or owns c alone (Init).
func (c *Comm) call(name string, fn uintptr, args ...uintptr) error {
	n := copy(c.args[:], args)
	r, _, _ := purego.SyscallN(fn, c.args[:n]...)
	if code := int32(r); code != 0 {
		return c.mpiError(name, code)
	}
	return nil
}

// mpiError describes MPI error code from call, with MPI's own words.
func (c *Comm) mpiError(call string, code int32) *Error {
	e := &Error{Call: call, Code: int(code), Class: -1}
	var n int32
	r, _, _ := purego.SyscallN(c.lib.errorString, uintptr(code), uintptr(unsafe.Pointer(&c.errText[0])), uintptr(unsafe.Pointer(&n)))
	if int32(r) == 0 && n > 0 && int(n) <= len(c.errText) {
		e.Text = string(c.errText[:n])
	}
	var class int32
	if r, _, _ := purego.SyscallN(c.lib.errorClass, uintptr(code), uintptr(unsafe.Pointer(&class))); int32(r) == 0 {
		e.Class = int(class)
	}
	return e
}

// Error is a failed MPI call.
type Error struct {
	Call  string // the MPI function, e.g. "MPI_Allreduce"
	Code  int    // the error code it returned
	Class int    // the code's error class (MPI_Error_class), or -1
	Text  string // MPI_Error_string of the code
}

func (e *Error) Error() string {
	text := e.Text
	if text == "" {
		text = "no description"
	}
	return fmt.Sprintf("mpi: %s failed: %s (error %d)", e.Call, text, e.Code)
}
