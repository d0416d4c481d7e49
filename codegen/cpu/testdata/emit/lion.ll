source_filename = "dlc"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

%dlc_parallel.job = type { void (i64, i64, i8**, double*)*, i64, i64, i64, i8**, double*, i64 }

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

define void @dlc_lion_k0.stream(i64 %begin, i64 %end, i8** %bufs, double* %scalars) nounwind "target-cpu"="x86-64-v3" {
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
	%33 = getelementptr float, float* %11, i64 %begin
	%34 = ptrtoint float* %33 to i64
	%35 = and i64 %34, 31
	%36 = sub i64 32, %35
	%37 = and i64 %36, 31
	%38 = udiv i64 %37, 4
	%39 = sub i64 %end, %begin
	%40 = icmp slt i64 %38, %39
	%41 = select i1 %40, i64 %38, i64 %39
	%42 = add i64 %begin, %41
	%43 = sub i64 %end, %42
	%44 = sdiv i64 %43, 16
	%45 = mul i64 %44, 16
	%46 = add i64 %42, %45
	%47 = icmp slt i64 %begin, %end
	%48 = icmp sgt i64 %45, 0
	%49 = and i1 %47, %48
	%50 = urem i64 %35, 4
	%51 = icmp eq i64 %50, 0
	%52 = and i1 %49, %51
	%53 = getelementptr float, float* %14, i64 %42
	%54 = ptrtoint float* %53 to i64
	%55 = and i64 %54, 31
	%56 = icmp eq i64 %55, 0
	%57 = and i1 %52, %56
	br i1 %57, label %stream, label %plain

plain:
	call void @dlc_lion_k0(i64 %begin, i64 %end, i8** %bufs, double* %scalars) noinline
	ret void

stream:
	call void @dlc_lion_k0(i64 %begin, i64 %42, i8** %bufs, double* %scalars) noinline
	%58 = insertelement <8 x float> undef, float %20, i32 0
	%59 = shufflevector <8 x float> %58, <8 x float> undef, <8 x i32> zeroinitializer
	%60 = insertelement <8 x float> undef, float %29, i32 0
	%61 = shufflevector <8 x float> %60, <8 x float> undef, <8 x i32> zeroinitializer
	%62 = insertelement <8 x float> undef, float %26, i32 0
	%63 = shufflevector <8 x float> %62, <8 x float> undef, <8 x i32> zeroinitializer
	%64 = insertelement <8 x float> undef, float %17, i32 0
	%65 = shufflevector <8 x float> %64, <8 x float> undef, <8 x i32> zeroinitializer
	%66 = insertelement <8 x float> undef, float %23, i32 0
	%67 = shufflevector <8 x float> %66, <8 x float> undef, <8 x i32> zeroinitializer
	%68 = insertelement <8 x float> undef, float %32, i32 0
	%69 = shufflevector <8 x float> %68, <8 x float> undef, <8 x i32> zeroinitializer
	%70 = insertelement <8 x float> undef, float %20, i32 0
	%71 = shufflevector <8 x float> %70, <8 x float> undef, <8 x i32> zeroinitializer
	%72 = insertelement <8 x float> undef, float %29, i32 0
	%73 = shufflevector <8 x float> %72, <8 x float> undef, <8 x i32> zeroinitializer
	%74 = insertelement <8 x float> undef, float %26, i32 0
	%75 = shufflevector <8 x float> %74, <8 x float> undef, <8 x i32> zeroinitializer
	%76 = insertelement <8 x float> undef, float %17, i32 0
	%77 = shufflevector <8 x float> %76, <8 x float> undef, <8 x i32> zeroinitializer
	%78 = insertelement <8 x float> undef, float %23, i32 0
	%79 = shufflevector <8 x float> %78, <8 x float> undef, <8 x i32> zeroinitializer
	%80 = insertelement <8 x float> undef, float %32, i32 0
	%81 = shufflevector <8 x float> %80, <8 x float> undef, <8 x i32> zeroinitializer
	br label %stream.vec.1

stream.done:
	call void @dlc_lion_k0(i64 %46, i64 %end, i8** %bufs, double* %scalars) noinline
	call void @llvm.x86.sse.sfence()
	ret void

stream.vec.1:
	%82 = phi i64 [ %42, %stream ], [ %138, %stream.vec.1 ]
	%83 = getelementptr inbounds float, float* %2, i64 %82
	%84 = bitcast float* %83 to <8 x float>*
	%85 = load <8 x float>, <8 x float>* %84, align 4
	%86 = getelementptr inbounds float, float* %5, i64 %82
	%87 = bitcast float* %86 to <8 x float>*
	%88 = load <8 x float>, <8 x float>* %87, align 4
	%89 = getelementptr inbounds float, float* %8, i64 %82
	%90 = bitcast float* %89 to <8 x float>*
	%91 = load <8 x float>, <8 x float>* %90, align 4
	%92 = fmul <8 x float> %59, %91
	%93 = fmul <8 x float> %61, %88
	%94 = fadd <8 x float> %92, %93
	%95 = fcmp ogt <8 x float> %94, <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>
	%96 = fcmp olt <8 x float> %94, <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>
	%97 = select <8 x i1> %96, <8 x float> <float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0>, <8 x float> %94
	%98 = select <8 x i1> %95, <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, <8 x float> %97
	%99 = fmul <8 x float> %63, %85
	%100 = fadd <8 x float> %98, %99
	%101 = fmul <8 x float> %65, %100
	%102 = fsub <8 x float> %85, %101
	%103 = fmul <8 x float> %67, %91
	%104 = fmul <8 x float> %69, %88
	%105 = fadd <8 x float> %103, %104
	%106 = getelementptr inbounds float, float* %11, i64 %82
	%107 = bitcast float* %106 to <8 x float>*
	store <8 x float> %102, <8 x float>* %107, align 32, !nontemporal !0
	%108 = getelementptr inbounds float, float* %14, i64 %82
	%109 = bitcast float* %108 to <8 x float>*
	store <8 x float> %105, <8 x float>* %109, align 32, !nontemporal !0
	%110 = add nuw nsw i64 %82, 8
	%111 = getelementptr inbounds float, float* %2, i64 %110
	%112 = bitcast float* %111 to <8 x float>*
	%113 = load <8 x float>, <8 x float>* %112, align 4
	%114 = getelementptr inbounds float, float* %5, i64 %110
	%115 = bitcast float* %114 to <8 x float>*
	%116 = load <8 x float>, <8 x float>* %115, align 4
	%117 = getelementptr inbounds float, float* %8, i64 %110
	%118 = bitcast float* %117 to <8 x float>*
	%119 = load <8 x float>, <8 x float>* %118, align 4
	%120 = fmul <8 x float> %71, %119
	%121 = fmul <8 x float> %73, %116
	%122 = fadd <8 x float> %120, %121
	%123 = fcmp ogt <8 x float> %122, <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>
	%124 = fcmp olt <8 x float> %122, <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>
	%125 = select <8 x i1> %124, <8 x float> <float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0>, <8 x float> %122
	%126 = select <8 x i1> %123, <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, <8 x float> %125
	%127 = fmul <8 x float> %75, %113
	%128 = fadd <8 x float> %126, %127
	%129 = fmul <8 x float> %77, %128
	%130 = fsub <8 x float> %113, %129
	%131 = fmul <8 x float> %79, %119
	%132 = fmul <8 x float> %81, %116
	%133 = fadd <8 x float> %131, %132
	%134 = getelementptr inbounds float, float* %11, i64 %110
	%135 = bitcast float* %134 to <8 x float>*
	store <8 x float> %130, <8 x float>* %135, align 32, !nontemporal !0
	%136 = getelementptr inbounds float, float* %14, i64 %110
	%137 = bitcast float* %136 to <8 x float>*
	store <8 x float> %133, <8 x float>* %137, align 32, !nontemporal !0
	%138 = add nuw nsw i64 %82, 16
	%139 = icmp slt i64 %138, %46
	br i1 %139, label %stream.vec.1, label %stream.done
}

declare void @llvm.x86.sse.sfence()

define internal void @dlc_parallel.work(i8* %data) {
entry:
	%0 = bitcast i8* %data to %dlc_parallel.job*
	%1 = getelementptr inbounds %dlc_parallel.job, %dlc_parallel.job* %0, i32 0, i32 0
	%2 = load void (i64, i64, i8**, double*)*, void (i64, i64, i8**, double*)** %1
	%3 = getelementptr inbounds %dlc_parallel.job, %dlc_parallel.job* %0, i32 0, i32 1
	%4 = load i64, i64* %3
	%5 = getelementptr inbounds %dlc_parallel.job, %dlc_parallel.job* %0, i32 0, i32 2
	%6 = load i64, i64* %5
	%7 = getelementptr inbounds %dlc_parallel.job, %dlc_parallel.job* %0, i32 0, i32 3
	%8 = load i64, i64* %7
	%9 = getelementptr inbounds %dlc_parallel.job, %dlc_parallel.job* %0, i32 0, i32 4
	%10 = load i8**, i8*** %9
	%11 = getelementptr inbounds %dlc_parallel.job, %dlc_parallel.job* %0, i32 0, i32 5
	%12 = load double*, double** %11
	%13 = getelementptr inbounds %dlc_parallel.job, %dlc_parallel.job* %0, i32 0, i32 6
	br label %claim

claim:
	%14 = atomicrmw add i64* %13, i64 1 monotonic
	%15 = mul i64 %14, %8
	%16 = icmp slt i64 %15, %6
	br i1 %16, label %call, label %done

call:
	%17 = add i64 %15, %8
	%18 = icmp slt i64 %17, %6
	%19 = select i1 %18, i64 %17, i64 %6
	%20 = add i64 %4, %15
	%21 = add i64 %4, %19
	call void %2(i64 %20, i64 %21, i8** %10, double* %12)
	br label %claim

done:
	ret void
}

declare void @GOMP_parallel(void (i8*)* %fn, i8* %data, i32 %num_threads, i32 %flags)

declare i32 @pthread_sigmask(i32 %how, i8* %set, i8* %oldset)

define void @dlc_parallel(void (i64, i64, i8**, double*)* %fn, i64 %begin, i64 %count, i64 %chunk, i8** %bufs, double* %scalars, i64 %threads) {
entry:
	%0 = alloca %dlc_parallel.job
	%1 = getelementptr inbounds %dlc_parallel.job, %dlc_parallel.job* %0, i32 0, i32 0
	store void (i64, i64, i8**, double*)* %fn, void (i64, i64, i8**, double*)** %1
	%2 = getelementptr inbounds %dlc_parallel.job, %dlc_parallel.job* %0, i32 0, i32 1
	store i64 %begin, i64* %2
	%3 = getelementptr inbounds %dlc_parallel.job, %dlc_parallel.job* %0, i32 0, i32 2
	store i64 %count, i64* %3
	%4 = getelementptr inbounds %dlc_parallel.job, %dlc_parallel.job* %0, i32 0, i32 3
	store i64 %chunk, i64* %4
	%5 = getelementptr inbounds %dlc_parallel.job, %dlc_parallel.job* %0, i32 0, i32 4
	store i8** %bufs, i8*** %5
	%6 = getelementptr inbounds %dlc_parallel.job, %dlc_parallel.job* %0, i32 0, i32 5
	store double* %scalars, double** %6
	%7 = getelementptr inbounds %dlc_parallel.job, %dlc_parallel.job* %0, i32 0, i32 6
	store i64 0, i64* %7
	%8 = alloca [16 x i64]
	%9 = alloca [16 x i64]
	%10 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 0
	store i64 -67110105, i64* %10
	%11 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 1
	store i64 -1, i64* %11
	%12 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 2
	store i64 -1, i64* %12
	%13 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 3
	store i64 -1, i64* %13
	%14 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 4
	store i64 -1, i64* %14
	%15 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 5
	store i64 -1, i64* %15
	%16 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 6
	store i64 -1, i64* %16
	%17 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 7
	store i64 -1, i64* %17
	%18 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 8
	store i64 -1, i64* %18
	%19 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 9
	store i64 -1, i64* %19
	%20 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 10
	store i64 -1, i64* %20
	%21 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 11
	store i64 -1, i64* %21
	%22 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 12
	store i64 -1, i64* %22
	%23 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 13
	store i64 -1, i64* %23
	%24 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 14
	store i64 -1, i64* %24
	%25 = getelementptr inbounds [16 x i64], [16 x i64]* %8, i32 0, i32 15
	store i64 -1, i64* %25
	%26 = bitcast [16 x i64]* %8 to i8*
	%27 = bitcast [16 x i64]* %9 to i8*
	%28 = call i32 @pthread_sigmask(i32 0, i8* %26, i8* %27)
	%29 = bitcast %dlc_parallel.job* %0 to i8*
	%30 = trunc i64 %threads to i32
	call void @GOMP_parallel(void (i8*)* @dlc_parallel.work, i8* %29, i32 %30, i32 0)
	%31 = call i32 @pthread_sigmask(i32 2, i8* %27, i8* null)
	ret void
}

!0 = !{i32 1}
