/* The all-reduce benchmark of internal/tools/mpicheck (bench.go) in C, the
 * baseline of BenchmarkAllreduceVsC: the same in-place f32 sum, the same
 * barrier-separated and back-to-back timings, the same output line.
 * Usage: allreduce N REPS WARMUP */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv) {
	int provided, rank;
	MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
	MPI_Comm comm;
	MPI_Comm_dup(MPI_COMM_WORLD, &comm);
	MPI_Comm_rank(comm, &rank);
	long n = argc > 1 ? atol(argv[1]) : 16 << 20;
	int reps = argc > 2 ? atoi(argv[2]) : 20;
	int warmup = argc > 3 ? atoi(argv[3]) : 3;
	float *x = malloc(n * sizeof(float));
	double *t = malloc(reps * sizeof(double));
	for (long i = 0; i < n; i++)
		x[i] = 1;
	for (int i = 0; i < warmup + reps; i++) {
		MPI_Barrier(comm);
		double start = MPI_Wtime();
		if (MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_FLOAT, MPI_SUM, comm) != MPI_SUCCESS)
			return 1;
		if (i >= warmup)
			t[i - warmup] = (MPI_Wtime() - start) * 1e6;
	}
	MPI_Barrier(comm);
	double start = MPI_Wtime();
	for (int i = 0; i < reps; i++)
		MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_FLOAT, MPI_SUM, comm);
	double loop = (MPI_Wtime() - start) * 1e6 / reps;
	qsort(t, reps, sizeof(double), cmp);
	if (rank == 0)
		printf("allreduce impl=c n=%ld reps=%d median_us=%.3f min_us=%.3f max_us=%.3f loop_us=%.3f\n", n, reps, t[reps / 2], t[0], t[reps - 1], loop);
	free(t);
	free(x);
	MPI_Comm_free(&comm);
	MPI_Finalize();
	return 0;
}
