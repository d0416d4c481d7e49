// This file opens OpenMPI's libmpi with purego, without cgo: every function and
// every predefined handle (communicator, datatypes, reduction operations, error
// handler) is looked up with Dlsym, since OpenMPI's handles are the addresses
// of its exported objects (MPI_COMM_WORLD is &ompi_mpi_comm_world), and a
// missing library or symbol is an error that says what is missing.
package mpi

import (
	"fmt"

	"github.com/ebitengine/purego"
)

// DefaultLibrary is the library a zero Config opens: OpenMPI 4's libmpi, from
// Debian's libopenmpi3.
const DefaultLibrary = "libmpi.so.40"

// inPlace is MPI_IN_PLACE in OpenMPI's ABI.
const inPlace = 1

// Thread support levels (MPI_THREAD_SINGLE ... MPI_THREAD_MULTIPLE).
const (
	threadSingle = iota
	threadFunneled
	threadSerialized
	threadMultiple
)

// maxErrorString is MPI_MAX_ERROR_STRING in OpenMPI.
const maxErrorString = 256

// library holds the addresses of the libmpi functions and handles dlc uses.
// Functions are called with purego.SyscallN; every one returns an MPI error
// code, 0 (MPI_SUCCESS) on success.
type library struct {
	path string
	h    uintptr

	initThread, initialized, finalized, finalize, queryThread uintptr
	commDup, commFree, commRank, commSize, commSetErrhandler  uintptr
	errorString, errorClass, abort                            uintptr
	allreduce, reduceScatter, allgather, bcast, barrier       uintptr

	commWorld, errorsReturn           uintptr
	float, double, int32, int64, byte uintptr
	opSum, opMax, opMin, opProd       uintptr
}

// symbols pairs every field of library with its exported name.
func (l *library) symbols() []struct {
	addr *uintptr
	name string
} {
	return []struct {
		addr *uintptr
		name string
	}{
		{&l.initThread, "MPI_Init_thread"},
		{&l.initialized, "MPI_Initialized"},
		{&l.finalized, "MPI_Finalized"},
		{&l.finalize, "MPI_Finalize"},
		{&l.queryThread, "MPI_Query_thread"},
		{&l.commDup, "MPI_Comm_dup"},
		{&l.commFree, "MPI_Comm_free"},
		{&l.commRank, "MPI_Comm_rank"},
		{&l.commSize, "MPI_Comm_size"},
		{&l.commSetErrhandler, "MPI_Comm_set_errhandler"},
		{&l.errorString, "MPI_Error_string"},
		{&l.errorClass, "MPI_Error_class"},
		{&l.abort, "MPI_Abort"},
		{&l.allreduce, "MPI_Allreduce"},
		{&l.reduceScatter, "MPI_Reduce_scatter"},
		{&l.allgather, "MPI_Allgather"},
		{&l.bcast, "MPI_Bcast"},
		{&l.barrier, "MPI_Barrier"},
		{&l.commWorld, "ompi_mpi_comm_world"},
		{&l.errorsReturn, "ompi_mpi_errors_return"},
		{&l.float, "ompi_mpi_float"},
		{&l.double, "ompi_mpi_double"},
		{&l.int32, "ompi_mpi_int32_t"},
		{&l.int64, "ompi_mpi_int64_t"},
		{&l.byte, "ompi_mpi_byte"},
		{&l.opSum, "ompi_mpi_op_sum"},
		{&l.opMax, "ompi_mpi_op_max"},
		{&l.opMin, "ompi_mpi_op_min"},
		{&l.opProd, "ompi_mpi_op_prod"},
	}
}

// openLibrary opens libmpi at path and resolves every symbol dlc needs.
// The library is opened RTLD_GLOBAL: OpenMPI's components, which it loads
// itself, resolve their references to libmpi and libopen-pal through the
// global namespace.
func openLibrary(path string) (*library, error) {
	if path == "" {
		path = DefaultLibrary
	}
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		why := ""
		if err.Error() != "" {
			why = " (" + err.Error() + ")"
		}
		return nil, fmt.Errorf("cannot open the MPI library %s%s: distributed runs need OpenMPI (on Debian: apt-get install openmpi-bin libopenmpi3) and a launch with mpirun", path, why)
	}
	l := &library{path: path, h: h}
	for _, s := range l.symbols() {
		a, err := purego.Dlsym(h, s.name)
		if err != nil || a == 0 {
			purego.Dlclose(h)
			return nil, fmt.Errorf("the MPI library %s has no %s: dlc needs OpenMPI 4 (libmpi.so.40), whose handles are exported objects", path, s.name)
		}
		*s.addr = a
	}
	return l, nil
}
