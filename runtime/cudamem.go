// This file gives Go programs device tensors: memory of the GPU an artifact
// runs on, allocated, filled and read back with explicit copies. On an
// artifact loaded for the host they are the identity (ToDevice returns the
// tensor itself), so a program can be written once for both.
package runtime

import (
	"fmt"
	goruntime "runtime"
	"unsafe"
)

// Device is where the artifact's kernels run (Config.Device).
func (a *Artifact) Device() Device { return a.dev.memory() }

// gpu returns the artifact's CUDA launcher with its context current on this
// OS thread, which the caller has locked; nil on the host.
func (a *Artifact) gpu() (*cudaLauncher, error) {
	l, ok := a.dev.(*cudaLauncher)
	if !ok {
		return nil, nil
	}
	if l.d == nil {
		return nil, fmt.Errorf("artifact is closed")
	}
	return l, l.current()
}

// Alloc returns a tensor of the given dtype and shape in the memory of the
// artifact's device, uninitialised; Free releases it. On the host it is a
// new zeroed slice.
func (a *Artifact) Alloc(dt DType, shape ...int64) (Tensor, error) {
	t := Tensor{DType: dt, Shape: append([]int64{}, shape...)}
	n := t.Elements()
	if n < 0 || dt.Size() == 0 {
		return Tensor{}, fmt.Errorf("alloc: %s%v is not a tensor", dt, shape)
	}
	bytes := n * int64(dt.Size())
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	l, err := a.gpu()
	if err != nil {
		return Tensor{}, err
	}
	if l == nil {
		b := make([]byte, max(bytes, 1))
		return Tensor{DType: dt, Shape: t.Shape, Data: unsafe.Pointer(&b[0]), Len: int(bytes)}, nil
	}
	var p uintptr
	if err := l.d.check("cuMemAlloc", l.d.cuMemAlloc(&p, uintptr(max(bytes, 1)))); err != nil {
		return Tensor{}, fmt.Errorf("alloc %d bytes on %s: %w", bytes, l.dev, err)
	}
	return Tensor{DType: dt, Shape: t.Shape, Data: devicePointer(p), Len: int(bytes), Device: l.dev}, nil
}

// Free releases a tensor from Alloc or ToDevice. On the host it does nothing.
func (a *Artifact) Free(t Tensor) error {
	if t.Device.Kind == Host {
		return nil
	}
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	l, err := a.gpu()
	if err != nil {
		return err
	}
	if l == nil || t.Device != l.dev {
		return fmt.Errorf("free: the tensor is on %s, the artifact's memory is %s", t.Device, a.Device())
	}
	return l.d.check("cuMemFree", l.d.cuMemFree(deviceAddress(t.Data)))
}

// ToDevice copies host tensor t into new memory of the artifact's device
// and returns it (free it with Free). On the host it returns t itself.
func (a *Artifact) ToDevice(t Tensor) (Tensor, error) {
	if t.Device.Kind != Host {
		return Tensor{}, fmt.Errorf("to device: the tensor is on %s already", t.Device)
	}
	if _, ok := a.dev.(*cudaLauncher); !ok {
		return t, nil
	}
	d, err := a.Alloc(t.DType, t.Shape...)
	if err != nil {
		return Tensor{}, err
	}
	if err := a.Copy(d, t); err != nil {
		a.Free(d)
		return Tensor{}, err
	}
	return d, nil
}

// ToHost copies device tensor src into a new host tensor. On the host it
// returns src itself.
func (a *Artifact) ToHost(src Tensor) (Tensor, error) {
	if src.Device.Kind == Host {
		return src, nil
	}
	b := make([]byte, max(src.Len, 1))
	dst := Tensor{DType: src.DType, Shape: append([]int64{}, src.Shape...), Data: unsafe.Pointer(&b[0]), Len: src.Len}
	if err := a.Copy(dst, src); err != nil {
		return Tensor{}, err
	}
	return dst, nil
}

// Copy copies src into dst, which must have its dtype and shape: host to
// device, device to host or device to device, waiting until it is done.
func (a *Artifact) Copy(dst, src Tensor) error {
	if dst.DType != src.DType || !equalShape(dst.Shape, src.Shape) {
		return fmt.Errorf("copy: %s%v into %s%v", src.DType, src.Shape, dst.DType, dst.Shape)
	}
	n := src.Elements() * int64(src.DType.Size())
	if n < 0 || int64(src.Len) < n || int64(dst.Len) < n {
		return fmt.Errorf("copy: %d bytes, but the tensors hold %d and %d", n, src.Len, dst.Len)
	}
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	l, err := a.gpu()
	if err != nil {
		return err
	}
	for _, t := range []Tensor{dst, src} {
		if t.Device.Kind != Host && (l == nil || t.Device != l.dev) {
			return fmt.Errorf("copy: a tensor is on %s, the artifact's memory is %s", t.Device, a.Device())
		}
	}
	switch {
	case n == 0:
		return nil
	case dst.Device.Kind == Host && src.Device.Kind == Host:
		copy(unsafe.Slice((*byte)(dst.Data), n), unsafe.Slice((*byte)(src.Data), n))
		return nil
	case src.Device.Kind == Host:
		return l.d.check("cuMemcpyHtoD", l.d.cuMemcpyHtoD(deviceAddress(dst.Data), src.Data, uintptr(n)))
	case dst.Device.Kind == Host:
		return l.d.check("cuMemcpyDtoH", l.d.cuMemcpyDtoH(dst.Data, deviceAddress(src.Data), uintptr(n)))
	}
	return l.d.check("cuMemcpyDtoD", l.d.cuMemcpyDtoD(deviceAddress(dst.Data), deviceAddress(src.Data), uintptr(n)))
}

func equalShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
