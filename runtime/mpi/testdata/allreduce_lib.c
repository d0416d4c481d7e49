/* The all-reduce of internal/tools/mpicheck's bench in C, as a shared library
 * that mpicheck opens (bench -c) so that Go and C calls alternate inside one
 * job: the same in-place f32 sum on the job's world communicator. Each
 * function returns microseconds, or -1 when MPI fails. */
#include <mpi.h>

/* dlc_c_allreduce_us: barrier, then one timed all-reduce of x[0:n]. */
double dlc_c_allreduce_us(float *x, int n) {
	if (MPI_Barrier(MPI_COMM_WORLD) != MPI_SUCCESS)
		return -1;
	double start = MPI_Wtime();
	if (MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
		return -1;
	return (MPI_Wtime() - start) * 1e6;
}

/* dlc_c_allreduce_loop_us: barrier, then reps all-reduces back to back; the
 * mean time per call. */
double dlc_c_allreduce_loop_us(float *x, int n, int reps) {
	if (MPI_Barrier(MPI_COMM_WORLD) != MPI_SUCCESS)
		return -1;
	double start = MPI_Wtime();
	for (int i = 0; i < reps; i++)
		if (MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
			return -1;
	return (MPI_Wtime() - start) * 1e6 / reps;
}
