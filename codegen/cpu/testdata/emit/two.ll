source_filename = "dlc"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

define internal void @dlc_two_k0.body(i64 %begin, i64 %end, float* noalias nocapture %in.x, float* noalias nocapture %in.y, float* noalias nocapture %out.u, float* noalias nocapture %out.s, float* noalias nocapture %tmp.v5, float %s.a) alwaysinline nounwind "target-cpu"="x86-64-v3" {
entry:
	%v7 = fmul float %s.a, %s.a
	%0 = icmp eq i64 %begin, 0
	br i1 %0, label %first, label %check

first:
	store float %v7, float* %out.s
	br label %check

check:
	%1 = icmp slt i64 %begin, %end
	br i1 %1, label %loop, label %exit

loop:
	%i = phi i64 [ %begin, %check ], [ %i.next, %loop ]
	%2 = getelementptr inbounds float, float* %in.x, i64 %i
	%3 = load float, float* %2
	%4 = getelementptr inbounds float, float* %in.y, i64 %i
	%5 = load float, float* %4
	%v5 = fmul float %3, %s.a
	%v6 = fadd float %v5, %5
	%6 = getelementptr inbounds float, float* %out.u, i64 %i
	store float %v6, float* %6
	%7 = getelementptr inbounds float, float* %tmp.v5, i64 %i
	store float %v5, float* %7
	%i.next = add nuw nsw i64 %i, 1
	%8 = icmp eq i64 %i.next, %end
	br i1 %8, label %exit, label %loop

exit:
	ret void
}

define void @dlc_two_k0(i64 %begin, i64 %end, i8** %bufs, double* %scalars) nounwind "target-cpu"="x86-64-v3" {
entry:
	%0 = getelementptr inbounds i8*, i8** %bufs, i64 0
	%1 = load i8*, i8** %0
	%2 = bitcast i8* %1 to float*
	%3 = getelementptr inbounds i8*, i8** %bufs, i64 1
	%4 = load i8*, i8** %3
	%5 = bitcast i8* %4 to float*
	%6 = getelementptr inbounds i8*, i8** %bufs, i64 2
	%7 = load i8*, i8** %6
	%8 = bitcast i8* %7 to float*
	%9 = getelementptr inbounds i8*, i8** %bufs, i64 3
	%10 = load i8*, i8** %9
	%11 = bitcast i8* %10 to float*
	%12 = getelementptr inbounds i8*, i8** %bufs, i64 4
	%13 = load i8*, i8** %12
	%14 = bitcast i8* %13 to float*
	%15 = getelementptr inbounds double, double* %scalars, i64 0
	%16 = load double, double* %15
	%17 = fptrunc double %16 to float
	call void @dlc_two_k0.body(i64 %begin, i64 %end, float* %2, float* %5, float* %8, float* %11, float* %14, float %17)
	ret void
}

define internal void @dlc_two_k1.body(i64 %begin, i64 %end, float* noalias nocapture %tmp.v5, float* noalias nocapture %out.u, float* noalias nocapture %out.s, float* noalias nocapture %out.v, float %s.v9) alwaysinline nounwind "target-cpu"="x86-64-v3" {
entry:
	%0 = load float, float* %out.s
	%1 = icmp slt i64 %begin, %end
	br i1 %1, label %loop, label %exit

loop:
	%i = phi i64 [ %begin, %entry ], [ %i.next, %loop ]
	%2 = getelementptr inbounds float, float* %tmp.v5, i64 %i
	%3 = load float, float* %2
	%4 = getelementptr inbounds float, float* %out.u, i64 %i
	%5 = load float, float* %4
	%v10 = fmul float %3, %5
	%v11 = fsub float %v10, %s.v9
	%v12 = fmul float %v11, %0
	%6 = getelementptr inbounds float, float* %out.v, i64 %i
	store float %v12, float* %6
	%i.next = add nuw nsw i64 %i, 1
	%7 = icmp eq i64 %i.next, %end
	br i1 %7, label %exit, label %loop

exit:
	ret void
}

define void @dlc_two_k1(i64 %begin, i64 %end, i8** %bufs, double* %scalars) nounwind "target-cpu"="x86-64-v3" {
entry:
	%0 = getelementptr inbounds i8*, i8** %bufs, i64 0
	%1 = load i8*, i8** %0
	%2 = bitcast i8* %1 to float*
	%3 = getelementptr inbounds i8*, i8** %bufs, i64 1
	%4 = load i8*, i8** %3
	%5 = bitcast i8* %4 to float*
	%6 = getelementptr inbounds i8*, i8** %bufs, i64 2
	%7 = load i8*, i8** %6
	%8 = bitcast i8* %7 to float*
	%9 = getelementptr inbounds i8*, i8** %bufs, i64 3
	%10 = load i8*, i8** %9
	%11 = bitcast i8* %10 to float*
	%12 = getelementptr inbounds double, double* %scalars, i64 0
	%13 = load double, double* %12
	%14 = fptrunc double %13 to float
	call void @dlc_two_k1.body(i64 %begin, i64 %end, float* %2, float* %5, float* %8, float* %11, float %14)
	ret void
}

define internal void @dlc_two_k2.body(i64 %begin, i64 %end, double* noalias nocapture %in.z, double* noalias nocapture %out.w, i32 %s.k) alwaysinline nounwind "target-cpu"="x86-64-v3" {
entry:
	%v14 = sitofp i32 %s.k to double
	%0 = icmp slt i64 %begin, %end
	br i1 %0, label %loop, label %exit

loop:
	%i = phi i64 [ %begin, %entry ], [ %i.next, %loop ]
	%1 = getelementptr inbounds double, double* %in.z, i64 %i
	%2 = load double, double* %1
	%v13 = call double @exp(double %2)
	%v15 = fmul double %v13, %v14
	%3 = getelementptr inbounds double, double* %out.w, i64 %i
	store double %v15, double* %3
	%i.next = add nuw nsw i64 %i, 1
	%4 = icmp eq i64 %i.next, %end
	br i1 %4, label %exit, label %loop

exit:
	ret void
}

declare double @exp(double %0) nounwind readnone willreturn

define void @dlc_two_k2(i64 %begin, i64 %end, i8** %bufs, double* %scalars) nounwind "target-cpu"="x86-64-v3" {
entry:
	%0 = getelementptr inbounds i8*, i8** %bufs, i64 0
	%1 = load i8*, i8** %0
	%2 = bitcast i8* %1 to double*
	%3 = getelementptr inbounds i8*, i8** %bufs, i64 1
	%4 = load i8*, i8** %3
	%5 = bitcast i8* %4 to double*
	%6 = getelementptr inbounds double, double* %scalars, i64 0
	%7 = load double, double* %6
	%8 = call i32 @llvm.fptosi.sat.i32.f64(double %7)
	call void @dlc_two_k2.body(i64 %begin, i64 %end, double* %2, double* %5, i32 %8)
	ret void
}

declare i32 @llvm.fptosi.sat.i32.f64(double %0)
