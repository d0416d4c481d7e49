// This file checks every collective on this rank against closed forms of
// what every rank contributed: the values are small integers and halves, so
// every sum is exact in f32 and any summation order gives the same result.
package main

import (
	"errors"
	"fmt"
	goruntime "runtime"
	"strings"

	"dlc.dev/dlc/runtime"
	"dlc.dev/dlc/runtime/mpi"
)

func f32(x []float32) runtime.Tensor { return runtime.F32(x) }

// check runs every check and joins their failures.
func check(c *mpi.Comm) error {
	steps := []struct {
		name string
		run  func(*mpi.Comm) error
	}{
		{"allreduce", checkAllreduce},
		{"reduce-scatter", checkReduceScatter},
		{"allgather", checkAllgather},
		{"bcast", checkBcast},
		{"argument errors", checkArgErrors},
		{"barrier", func(c *mpi.Comm) error { return c.Barrier() }},
		{"allocations", checkAllocs},
		{"second communicator", checkSecondComm},
		{"mpi errors", checkMPIError},
	}
	var errs []error
	for _, s := range steps {
		if err := s.run(c); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.name, err))
		}
	}
	return errors.Join(errs...)
}

// checkAllreduce reduces f32 (in place and not), f64, i32 and i64 with every op.
func checkAllreduce(c *mpi.Comm) error {
	r, p := c.Rank(), c.Size()
	const n = 1000
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i%97) + 0.5*float32(r)
	}
	y := make([]float32, n)
	if err := c.Allreduce(f32(x), f32(y), mpi.Sum); err != nil {
		return err
	}
	if err := c.Allreduce(f32(x), f32(x), mpi.Sum); err != nil { // in place
		return err
	}
	for i := range x {
		want := float32(p*(i%97)) + 0.25*float32(p*(p-1))
		if x[i] != want || y[i] != want {
			return fmt.Errorf("f32 sum [%d]: in place %v, out of place %v, want %v", i, x[i], y[i], want)
		}
	}
	d := make([]float64, n)
	i32 := make([]int32, n)
	i64 := make([]int64, n)
	for i := range d {
		d[i] = float64(i) + float64(r)
		i32[i] = int32(i - r)
		i64[i] = int64(r+2) << 33
	}
	if err := c.Allreduce(runtime.F64(d), runtime.F64(d), mpi.Max); err != nil {
		return err
	}
	if err := c.Allreduce(runtime.I32(i32), runtime.I32(i32), mpi.Min); err != nil {
		return err
	}
	if err := c.Allreduce(runtime.I64(i64), runtime.I64(i64), mpi.Sum); err != nil {
		return err
	}
	var sum64 int64
	for q := range p {
		sum64 += int64(q+2) << 33
	}
	for i := range d {
		if d[i] != float64(i+p-1) || i32[i] != int32(i-(p-1)) || i64[i] != sum64 {
			return fmt.Errorf("[%d]: f64 max %v (want %v), i32 min %v (want %v), i64 sum %v (want %v)",
				i, d[i], i+p-1, i32[i], i-(p-1), i64[i], sum64)
		}
	}
	prod := []float64{float64(r + 2)}
	if err := c.Allreduce(runtime.F64(prod), runtime.F64(prod), mpi.Prod); err != nil {
		return err
	}
	want := 1.0
	for q := range p {
		want *= float64(q + 2)
	}
	if prod[0] != want {
		return fmt.Errorf("f64 prod %v, want %v", prod[0], want)
	}
	return nil
}

// checkReduceScatter sums send[j] = j + rank and keeps this rank's block.
func checkReduceScatter(c *mpi.Comm) error {
	r, p := c.Rank(), c.Size()
	const n = 777
	send := make([]float32, p*n)
	for j := range send {
		send[j] = float32(j + r)
	}
	recv := make([]float32, n)
	if err := c.ReduceScatter(f32(send), f32(recv), mpi.Sum); err != nil {
		return err
	}
	for k, v := range recv {
		want := float32(p*(r*n+k) + p*(p-1)/2)
		if v != want {
			return fmt.Errorf("[%d] = %v, want %v", k, v, want)
		}
	}
	return nil
}

// checkAllgather gathers f64 blocks in place, i64 blocks out of place and
// bf16 patterns (moved as bytes).
func checkAllgather(c *mpi.Comm) error {
	r, p := c.Rank(), c.Size()
	const n = 513
	all := make([]float64, p*n)
	for k := range n {
		all[r*n+k] = float64(r*1000 + k)
	}
	own := all[r*n : (r+1)*n]
	if err := c.Allgather(runtime.F64(own), runtime.F64(all)); err != nil { // in place
		return err
	}
	send := make([]int64, n)
	for k := range send {
		send[k] = int64(r*1000+k) << 32
	}
	got := make([]int64, p*n)
	if err := c.Allgather(runtime.I64(send), runtime.I64(got)); err != nil {
		return err
	}
	bsend := make([]byte, 2*n)
	for k := range n {
		bsend[2*k], bsend[2*k+1] = byte(k), byte(r)
	}
	bgot := make([]byte, 2*n*p)
	if err := c.Allgather(runtime.FromBytes(runtime.BFloat16, []int64{n}, bsend), runtime.FromBytes(runtime.BFloat16, []int64{int64(p * n)}, bgot)); err != nil {
		return err
	}
	for b := range p {
		for k := range n {
			j := b*n + k
			if all[j] != float64(b*1000+k) || got[j] != int64(b*1000+k)<<32 || bgot[2*j] != byte(k) || bgot[2*j+1] != byte(b) {
				return fmt.Errorf("block %d [%d]: f64 %v, i64 %v, bf16 bytes %d %d", b, k, all[j], got[j], bgot[2*j], bgot[2*j+1])
			}
		}
	}
	return nil
}

// checkBcast broadcasts f32 and bool from the last rank.
func checkBcast(c *mpi.Comm) error {
	r, root := c.Rank(), c.Size()-1
	x := make([]float32, 100)
	flags := make([]bool, 3)
	if r == root {
		for i := range x {
			x[i] = float32(i) * 1.5
		}
		flags[1] = true
	}
	if err := c.Bcast(f32(x), root); err != nil {
		return err
	}
	if err := c.Bcast(runtime.Bool(flags), root); err != nil {
		return err
	}
	for i := range x {
		if x[i] != float32(i)*1.5 {
			return fmt.Errorf("f32 [%d] = %v", i, x[i])
		}
	}
	if flags[0] || !flags[1] || flags[2] {
		return fmt.Errorf("bool %v, want [false true false]", flags)
	}
	return nil
}

// checkArgErrors passes wrong arguments; each must be refused before MPI is
// called (so no rank waits for the others) with a message naming it.
func checkArgErrors(c *mpi.Comm) error {
	p := c.Size()
	x := make([]float32, 8)
	cases := []struct {
		err  error
		want string
	}{
		{c.Allreduce(f32(x), f32(make([]float32, 7)), mpi.Sum), "they must match"},
		{c.Allreduce(f32(x[:7]), f32(x[1:]), mpi.Sum), "overlap"},
		{c.Allreduce(runtime.FromBytes(runtime.BFloat16, []int64{4}, make([]byte, 8)), runtime.FromBytes(runtime.BFloat16, []int64{4}, make([]byte, 8)), mpi.Sum), "cannot be reduced"},
		{c.Allreduce(f32(x), f32(x), mpi.Op(9)), "unknown reduction"},
		{c.Allreduce(runtime.Tensor{DType: runtime.Float32, Shape: []int64{4}, Data: runtime.F32(x).Data, Len: 16, Device: runtime.CUDADevice(0)}, f32(x), mpi.Sum), "host memory"},
		{c.Allreduce(runtime.F32(x, 3, 4), f32(x), mpi.Sum), "needs 48 bytes"},
		{c.ReduceScatter(f32(x), f32(make([]float32, 8/p+1)), mpi.Sum), "ranks"},
		{c.Allgather(f32(x[:1]), f32(make([]float32, p+1))), "ranks"},
		{c.Bcast(f32(x), p), "root"},
	}
	for i, k := range cases {
		if k.err == nil || !strings.Contains(k.err.Error(), k.want) {
			return fmt.Errorf("case %d: got error %v, want one containing %q", i, k.err, k.want)
		}
	}
	return nil
}

// checkMPIError makes MPI itself fail: the root broadcasts more bytes than
// the others receive. The others must get an *mpi.Error naming MPI_Bcast
// (the communicator returns errors instead of aborting the job). It runs on
// 2 ranks only: with more, a rank that failed would not forward the message
// down the broadcast tree, and its children would wait for it.
func checkMPIError(c *mpi.Comm) error {
	if c.Size() != 2 {
		return nil
	}
	n := 4
	if c.Rank() == 0 {
		n = 64
	}
	err := c.Bcast(runtime.FromBytes(runtime.BFloat16, []int64{int64(n)}, make([]byte, 2*n)), 0)
	if c.Rank() == 0 {
		return err
	}
	var me *mpi.Error
	if !errors.As(err, &me) || me.Call != "MPI_Bcast" || !strings.Contains(err.Error(), "MPI_Bcast") {
		return fmt.Errorf("a truncated broadcast gave %v, want an *mpi.Error from MPI_Bcast", err)
	}
	fmt.Printf("rank %d: truncated broadcast: %v\n", c.Rank(), err)
	return nil
}

// checkAllocs counts heap allocations over 1000 all-reduces of one tensor:
// a steady-state call must allocate nothing. The count is the process's, as
// testing.AllocsPerRun's is, and so includes the Go runtime's own (a new OS
// thread while a call waits in MPI); like AllocsPerRun, the check fails when
// the average per call, rounded down, is not 0.
func checkAllocs(c *mpi.Comm) error {
	x := f32(make([]float32, 64))
	if err := c.Allreduce(x, x, mpi.Sum); err != nil {
		return err
	}
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	for range 1000 {
		if err := c.Allreduce(x, x, mpi.Max); err != nil {
			return err
		}
	}
	goruntime.ReadMemStats(&after)
	if n := after.Mallocs - before.Mallocs; n >= 1000 {
		return fmt.Errorf("1000 all-reduces allocated %d times; want none", n)
	}
	return nil
}

// checkSecondComm opens a second Comm while the first is alive: it shares
// the initialized MPI, and its Finalize frees only its communicator, so the
// first keeps working.
func checkSecondComm(c *mpi.Comm) error {
	c2, err := mpi.Init(mpi.Config{})
	if err != nil {
		return err
	}
	x := []float64{1}
	if err := c2.Allreduce(runtime.F64(x), runtime.F64(x), mpi.Sum); err != nil {
		return err
	}
	if err := c2.Finalize(); err != nil {
		return err
	}
	if err := c.Allreduce(runtime.F64(x), runtime.F64(x), mpi.Sum); err != nil {
		return fmt.Errorf("the first Comm after the second's Finalize: %w", err)
	}
	if want := float64(c.Size() * c.Size()); x[0] != want {
		return fmt.Errorf("two sums of 1 gave %v, want %v", x[0], want)
	}
	return nil
}

// checkAfterFinalize checks that a finalized Comm refuses collectives, that a
// second Finalize does nothing, and that MPI cannot be initialized again.
func checkAfterFinalize(c *mpi.Comm, lib string) error {
	x := f32(make([]float32, 4))
	if err := c.Allreduce(x, x, mpi.Sum); err == nil || !strings.Contains(err.Error(), "MPI_Allreduce after Finalize") {
		return fmt.Errorf("an all-reduce after Finalize gave %v", err)
	}
	if err := c.Finalize(); err != nil {
		return fmt.Errorf("a second Finalize: %w", err)
	}
	if _, err := mpi.Init(mpi.Config{Library: lib}); err == nil || !strings.Contains(err.Error(), "cannot be initialized twice") {
		return fmt.Errorf("Init after Finalize gave %v", err)
	}
	return nil
}
