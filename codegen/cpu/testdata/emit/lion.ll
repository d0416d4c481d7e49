source_filename = "dlc"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

define internal void @dlc_lion_k0.body(i64 %begin, i64 %end, float* noalias nocapture %in.theta, float* noalias nocapture %in.grad, float* noalias nocapture %in.m, float* noalias nocapture %out.theta_new, float* noalias nocapture %out.m_new, float %s.lr, float %s.beta1, float %s.beta2, float %s.wd, float %s.v8, float %s.v17) alwaysinline nounwind "target-cpu"="x86-64-v3" {
entry:
	%0 = icmp slt i64 %begin, %end
	br i1 %0, label %loop, label %exit

loop:
	%i = phi i64 [ %begin, %entry ], [ %i.next, %loop ]
	%1 = getelementptr inbounds float, float* %in.theta, i64 %i
	%2 = load float, float* %1
	%3 = getelementptr inbounds float, float* %in.grad, i64 %i
	%4 = load float, float* %3
	%5 = getelementptr inbounds float, float* %in.m, i64 %i
	%6 = load float, float* %5
	%v9 = fmul float %s.beta1, %6
	%v10 = fmul float %s.v8, %4
	%v11 = fadd float %v9, %v10
	%7 = fcmp ogt float %v11, 0.0
	%8 = fcmp olt float %v11, 0.0
	%9 = select i1 %8, float -1.0, float %v11
	%v12 = select i1 %7, float 1.0, float %9
	%v13 = fmul float %s.wd, %2
	%v14 = fadd float %v12, %v13
	%v15 = fmul float %s.lr, %v14
	%v16 = fsub float %2, %v15
	%v18 = fmul float %s.beta2, %6
	%v19 = fmul float %s.v17, %4
	%v20 = fadd float %v18, %v19
	%10 = getelementptr inbounds float, float* %out.theta_new, i64 %i
	store float %v16, float* %10
	%11 = getelementptr inbounds float, float* %out.m_new, i64 %i
	store float %v20, float* %11
	%i.next = add nuw nsw i64 %i, 1
	%12 = icmp eq i64 %i.next, %end
	br i1 %12, label %exit, label %loop

exit:
	ret void
}

define void @dlc_lion_k0(i64 %begin, i64 %end, i8** %bufs, double* %scalars) nounwind "target-cpu"="x86-64-v3" {
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
	%18 = getelementptr inbounds double, double* %scalars, i64 1
	%19 = load double, double* %18
	%20 = fptrunc double %19 to float
	%21 = getelementptr inbounds double, double* %scalars, i64 2
	%22 = load double, double* %21
	%23 = fptrunc double %22 to float
	%24 = getelementptr inbounds double, double* %scalars, i64 3
	%25 = load double, double* %24
	%26 = fptrunc double %25 to float
	%27 = getelementptr inbounds double, double* %scalars, i64 4
	%28 = load double, double* %27
	%29 = fptrunc double %28 to float
	%30 = getelementptr inbounds double, double* %scalars, i64 5
	%31 = load double, double* %30
	%32 = fptrunc double %31 to float
	call void @dlc_lion_k0.body(i64 %begin, i64 %end, float* %2, float* %5, float* %8, float* %11, float* %14, float %17, float %20, float %23, float %26, float %29, float %32)
	ret void
}
