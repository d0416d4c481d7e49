source_filename = "dlc"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

%dlc_parallel.job = type { void (i64, i64, i8**, double*)*, i64, i64, i64, i8**, double*, i64 }

define internal void @dlc_ops_k0.body(i64 %begin, i64 %end, float* noalias nocapture %in.x, float* noalias nocapture %in.y, i32* noalias nocapture %in.n, i32* noalias nocapture %in.m, float* noalias nocapture %out.s, float* noalias nocapture %out.c, float* noalias nocapture %out.g, float* noalias nocapture %out.p, i32* noalias nocapture %out.q, i8* noalias nocapture %out.ne, i8* noalias nocapture %out.lt) alwaysinline nounwind "target-cpu"="x86-64-v3" {
entry:
	%0 = icmp slt i64 %begin, %end
	br i1 %0, label %loop, label %exit

loop:
	%i = phi i64 [ %begin, %entry ], [ %i.next, %loop ]
	%1 = getelementptr inbounds float, float* %in.x, i64 %i
	%2 = load float, float* %1
	%3 = getelementptr inbounds float, float* %in.y, i64 %i
	%4 = load float, float* %3
	%5 = getelementptr inbounds i32, i32* %in.n, i64 %i
	%6 = load i32, i32* %5
	%7 = getelementptr inbounds i32, i32* %in.m, i64 %i
	%8 = load i32, i32* %7
	%9 = fcmp ogt float %2, 0.0
	%10 = fcmp olt float %2, 0.0
	%11 = select i1 %10, float -1.0, float %2
	%v4 = select i1 %9, float 1.0, float %11
	%12 = fcmp ogt float %2, -1.0
	%13 = select i1 %12, float %2, float -1.0
	%14 = bitcast float %2 to i32
	%15 = bitcast float -1.0 to i32
	%16 = and i32 %14, %15
	%17 = fcmp oeq float %2, -1.0
	%18 = bitcast i32 %16 to float
	%19 = select i1 %17, float %18, float %13
	%20 = fcmp uno float %2, %2
	%21 = select i1 %20, float %2, float %19
	%22 = fcmp olt float %21, 1.0
	%23 = select i1 %22, float %21, float 1.0
	%24 = bitcast float %21 to i32
	%25 = bitcast float 1.0 to i32
	%26 = or i32 %24, %25
	%27 = fcmp oeq float %21, 1.0
	%28 = bitcast i32 %26 to float
	%29 = select i1 %27, float %28, float %23
	%30 = fcmp uno float %21, %21
	%v7 = select i1 %30, float %21, float %29
	%31 = bitcast float %4 to i32
	%32 = and i32 %31, u0x7FFFFFFF
	%33 = bitcast i32 %32 to float
	%34 = fneg float %33
	%35 = fcmp ogt float %34, 89.0
	%36 = select i1 %35, float 89.0, float %34
	%37 = fcmp olt float %36, -104.0
	%38 = select i1 %37, float 0.0, float %36
	%39 = fmul float %38, 0x3FF7154760000000
	%40 = fadd float %39, 1.2582912e+07
	%41 = fsub float %40, 1.2582912e+07
	%42 = bitcast float %40 to i32
	%43 = sub i32 %42, u0x4B400000
	%44 = fmul float %41, 0x3FE62E4000000000
	%45 = fsub float %38, %44
	%46 = fmul float %41, 0x3EB7F7D1C0000000
	%47 = fsub float %45, %46
	%48 = fsub float %45, %47
	%49 = fsub float %48, %46
	%50 = fmul float %47, %47
	%51 = fmul float %47, 0x3FC55552C0000000
	%52 = fadd float 0.5, %51
	%53 = fmul float %47, 0x3F81155A80000000
	%54 = fadd float 0x3FA5555020000000, %53
	%55 = fmul float %47, 0x3F23B8ACC0000000
	%56 = fadd float 0x3F56D2E4A0000000, %55
	%57 = fmul float %50, %54
	%58 = fadd float %52, %57
	%59 = fmul float %50, %50
	%60 = fmul float %59, %56
	%61 = fadd float %58, %60
	%62 = fmul float %59, %59
	%63 = fmul float %50, %61
	%64 = fadd float %63, %49
	%65 = fadd float %47, %64
	%66 = fsub float %47, %65
	%67 = fadd float %66, %64
	%68 = fadd float 1.0, %65
	%69 = fsub float 1.0, %68
	%70 = fadd float %69, %65
	%71 = fadd float %70, %67
	%72 = fadd float 1.0, %47
	%73 = fsub float 1.0, %72
	%74 = fadd float %73, %47
	%75 = fadd float %74, %49
	%76 = fadd float %75, %63
	%77 = fadd float %72, %76
	%78 = ashr i32 %43, 1
	%79 = add i32 %78, 127
	%80 = shl i32 %79, 23
	%81 = bitcast i32 %80 to float
	%82 = sub i32 %43, %78
	%83 = add i32 %82, 127
	%84 = shl i32 %83, 23
	%85 = bitcast i32 %84 to float
	%86 = fmul float %68, %81
	%87 = fmul float %86, %85
	%88 = select i1 %37, float 0.0, float %87
	%89 = fmul float %71, %81
	%90 = fmul float %89, %85
	%91 = select i1 %37, float 0.0, float %90
	%92 = fadd float 1.0, %88
	%93 = fsub float 1.0, %92
	%94 = fadd float %93, %88
	%95 = fadd float %94, %91
	%96 = fdiv float 1.0, %92
	%97 = fmul float %95, %96
	%98 = fmul float %96, %97
	%99 = fsub float %96, %98
	%100 = fdiv float %88, %92
	%101 = fmul float %91, %96
	%102 = fmul float %100, %97
	%103 = fsub float %101, %102
	%104 = fadd float %100, %103
	%105 = fcmp oge float %4, 0.0
	%v8 = select i1 %105, float %99, float %104
	%v9 = call float @powf(float %2, float %4)
	%106 = call float @llvm.sqrt.f32(float %v9)
	%v10 = fdiv float 1.0, %106
	%107 = icmp eq i32 %8, 0
	%108 = icmp eq i32 %8, -1
	%109 = or i1 %107, %108
	%110 = select i1 %109, i32 1, i32 %8
	%111 = sdiv i32 %6, %110
	%112 = sub i32 0, %6
	%113 = select i1 %108, i32 %112, i32 %111
	%v11 = select i1 %107, i32 0, i32 %113
	%v12 = fcmp une float %2, %4
	%v13 = icmp slt i32 %6, %8
	%114 = getelementptr inbounds float, float* %out.s, i64 %i
	store float %v4, float* %114
	%115 = getelementptr inbounds float, float* %out.c, i64 %i
	store float %v7, float* %115
	%116 = getelementptr inbounds float, float* %out.g, i64 %i
	store float %v8, float* %116
	%117 = getelementptr inbounds float, float* %out.p, i64 %i
	store float %v10, float* %117
	%118 = getelementptr inbounds i32, i32* %out.q, i64 %i
	store i32 %v11, i32* %118
	%119 = zext i1 %v12 to i8
	%120 = getelementptr inbounds i8, i8* %out.ne, i64 %i
	store i8 %119, i8* %120
	%121 = zext i1 %v13 to i8
	%122 = getelementptr inbounds i8, i8* %out.lt, i64 %i
	store i8 %121, i8* %122
	%i.next = add nuw nsw i64 %i, 1
	%123 = icmp eq i64 %i.next, %end
	br i1 %123, label %exit, label %loop

exit:
	ret void
}

declare float @powf(float %0, float %1) nounwind readnone willreturn

declare float @llvm.sqrt.f32(float %0)

define void @dlc_ops_k0(i64 %begin, i64 %end, i8** %bufs, double* %scalars) nounwind "target-cpu"="x86-64-v3" {
entry:
	%0 = getelementptr inbounds i8*, i8** %bufs, i64 0
	%1 = load i8*, i8** %0
	%2 = bitcast i8* %1 to float*
	%3 = getelementptr inbounds i8*, i8** %bufs, i64 1
	%4 = load i8*, i8** %3
	%5 = bitcast i8* %4 to float*
	%6 = getelementptr inbounds i8*, i8** %bufs, i64 2
	%7 = load i8*, i8** %6
	%8 = bitcast i8* %7 to i32*
	%9 = getelementptr inbounds i8*, i8** %bufs, i64 3
	%10 = load i8*, i8** %9
	%11 = bitcast i8* %10 to i32*
	%12 = getelementptr inbounds i8*, i8** %bufs, i64 4
	%13 = load i8*, i8** %12
	%14 = bitcast i8* %13 to float*
	%15 = getelementptr inbounds i8*, i8** %bufs, i64 5
	%16 = load i8*, i8** %15
	%17 = bitcast i8* %16 to float*
	%18 = getelementptr inbounds i8*, i8** %bufs, i64 6
	%19 = load i8*, i8** %18
	%20 = bitcast i8* %19 to float*
	%21 = getelementptr inbounds i8*, i8** %bufs, i64 7
	%22 = load i8*, i8** %21
	%23 = bitcast i8* %22 to float*
	%24 = getelementptr inbounds i8*, i8** %bufs, i64 8
	%25 = load i8*, i8** %24
	%26 = bitcast i8* %25 to i32*
	%27 = getelementptr inbounds i8*, i8** %bufs, i64 9
	%28 = load i8*, i8** %27
	%29 = getelementptr inbounds i8*, i8** %bufs, i64 10
	%30 = load i8*, i8** %29
	call void @dlc_ops_k0.body(i64 %begin, i64 %end, float* %2, float* %5, i32* %8, i32* %11, float* %14, float* %17, float* %20, float* %23, i32* %26, i8* %28, i8* %30)
	ret void
}

define void @dlc_ops_k0.stream(i64 %begin, i64 %end, i8** %bufs, double* %scalars) nounwind "target-cpu"="x86-64-v3" {
entry:
	%0 = getelementptr inbounds i8*, i8** %bufs, i64 0
	%1 = load i8*, i8** %0
	%2 = bitcast i8* %1 to float*
	%3 = getelementptr inbounds i8*, i8** %bufs, i64 1
	%4 = load i8*, i8** %3
	%5 = bitcast i8* %4 to float*
	%6 = getelementptr inbounds i8*, i8** %bufs, i64 2
	%7 = load i8*, i8** %6
	%8 = bitcast i8* %7 to i32*
	%9 = getelementptr inbounds i8*, i8** %bufs, i64 3
	%10 = load i8*, i8** %9
	%11 = bitcast i8* %10 to i32*
	%12 = getelementptr inbounds i8*, i8** %bufs, i64 4
	%13 = load i8*, i8** %12
	%14 = bitcast i8* %13 to float*
	%15 = getelementptr inbounds i8*, i8** %bufs, i64 5
	%16 = load i8*, i8** %15
	%17 = bitcast i8* %16 to float*
	%18 = getelementptr inbounds i8*, i8** %bufs, i64 6
	%19 = load i8*, i8** %18
	%20 = bitcast i8* %19 to float*
	%21 = getelementptr inbounds i8*, i8** %bufs, i64 7
	%22 = load i8*, i8** %21
	%23 = bitcast i8* %22 to float*
	%24 = getelementptr inbounds i8*, i8** %bufs, i64 8
	%25 = load i8*, i8** %24
	%26 = bitcast i8* %25 to i32*
	%27 = getelementptr inbounds i8*, i8** %bufs, i64 9
	%28 = load i8*, i8** %27
	%29 = getelementptr inbounds i8*, i8** %bufs, i64 10
	%30 = load i8*, i8** %29
	%31 = getelementptr float, float* %14, i64 %begin
	%32 = ptrtoint float* %31 to i64
	%33 = and i64 %32, 31
	%34 = sub i64 32, %33
	%35 = and i64 %34, 31
	%36 = udiv i64 %35, 4
	%37 = sub i64 %end, %begin
	%38 = icmp slt i64 %36, %37
	%39 = select i1 %38, i64 %36, i64 %37
	%40 = add i64 %begin, %39
	%41 = sub i64 %end, %40
	%42 = sdiv i64 %41, 16
	%43 = mul i64 %42, 16
	%44 = add i64 %40, %43
	%45 = icmp slt i64 %begin, %end
	%46 = icmp sgt i64 %43, 0
	%47 = and i1 %45, %46
	%48 = urem i64 %33, 4
	%49 = icmp eq i64 %48, 0
	%50 = and i1 %47, %49
	%51 = getelementptr float, float* %17, i64 %40
	%52 = ptrtoint float* %51 to i64
	%53 = and i64 %52, 31
	%54 = icmp eq i64 %53, 0
	%55 = and i1 %50, %54
	%56 = getelementptr float, float* %20, i64 %40
	%57 = ptrtoint float* %56 to i64
	%58 = and i64 %57, 31
	%59 = icmp eq i64 %58, 0
	%60 = and i1 %55, %59
	%61 = getelementptr float, float* %23, i64 %40
	%62 = ptrtoint float* %61 to i64
	%63 = and i64 %62, 31
	%64 = icmp eq i64 %63, 0
	%65 = and i1 %60, %64
	%66 = getelementptr i32, i32* %26, i64 %40
	%67 = ptrtoint i32* %66 to i64
	%68 = and i64 %67, 31
	%69 = icmp eq i64 %68, 0
	%70 = and i1 %65, %69
	%71 = getelementptr i8, i8* %28, i64 %40
	%72 = ptrtoint i8* %71 to i64
	%73 = and i64 %72, 7
	%74 = icmp eq i64 %73, 0
	%75 = and i1 %70, %74
	%76 = getelementptr i8, i8* %30, i64 %40
	%77 = ptrtoint i8* %76 to i64
	%78 = and i64 %77, 7
	%79 = icmp eq i64 %78, 0
	%80 = and i1 %75, %79
	br i1 %80, label %stream, label %plain

plain:
	call void @dlc_ops_k0(i64 %begin, i64 %end, i8** %bufs, double* %scalars) noinline
	ret void

stream:
	call void @dlc_ops_k0(i64 %begin, i64 %40, i8** %bufs, double* %scalars) noinline
	br label %stream.vec.1

stream.done:
	call void @dlc_ops_k0(i64 %44, i64 %end, i8** %bufs, double* %scalars) noinline
	call void @llvm.x86.sse.sfence()
	ret void

stream.vec.1:
	%81 = phi i64 [ %40, %stream ], [ %427, %stream.vec.1 ]
	%82 = getelementptr inbounds float, float* %2, i64 %81
	%83 = bitcast float* %82 to <8 x float>*
	%84 = load <8 x float>, <8 x float>* %83, align 4
	%85 = getelementptr inbounds float, float* %5, i64 %81
	%86 = bitcast float* %85 to <8 x float>*
	%87 = load <8 x float>, <8 x float>* %86, align 4
	%88 = getelementptr inbounds i32, i32* %8, i64 %81
	%89 = bitcast i32* %88 to <8 x i32>*
	%90 = load <8 x i32>, <8 x i32>* %89, align 4
	%91 = getelementptr inbounds i32, i32* %11, i64 %81
	%92 = bitcast i32* %91 to <8 x i32>*
	%93 = load <8 x i32>, <8 x i32>* %92, align 4
	%94 = fcmp ogt <8 x float> %84, <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>
	%95 = fcmp olt <8 x float> %84, <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>
	%96 = select <8 x i1> %95, <8 x float> <float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0>, <8 x float> %84
	%97 = select <8 x i1> %94, <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, <8 x float> %96
	%98 = fcmp ogt <8 x float> %84, <float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0>
	%99 = select <8 x i1> %98, <8 x float> %84, <8 x float> <float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0>
	%100 = bitcast <8 x float> %84 to <8 x i32>
	%101 = bitcast <8 x float> <float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0> to <8 x i32>
	%102 = and <8 x i32> %100, %101
	%103 = fcmp oeq <8 x float> %84, <float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0>
	%104 = bitcast <8 x i32> %102 to <8 x float>
	%105 = select <8 x i1> %103, <8 x float> %104, <8 x float> %99
	%106 = fcmp uno <8 x float> %84, %84
	%107 = select <8 x i1> %106, <8 x float> %84, <8 x float> %105
	%108 = fcmp olt <8 x float> %107, <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>
	%109 = select <8 x i1> %108, <8 x float> %107, <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>
	%110 = bitcast <8 x float> %107 to <8 x i32>
	%111 = bitcast <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0> to <8 x i32>
	%112 = or <8 x i32> %110, %111
	%113 = fcmp oeq <8 x float> %107, <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>
	%114 = bitcast <8 x i32> %112 to <8 x float>
	%115 = select <8 x i1> %113, <8 x float> %114, <8 x float> %109
	%116 = fcmp uno <8 x float> %107, %107
	%117 = select <8 x i1> %116, <8 x float> %107, <8 x float> %115
	%118 = bitcast <8 x float> %87 to <8 x i32>
	%119 = and <8 x i32> %118, <i32 u0x7FFFFFFF, i32 u0x7FFFFFFF, i32 u0x7FFFFFFF, i32 u0x7FFFFFFF, i32 u0x7FFFFFFF, i32 u0x7FFFFFFF, i32 u0x7FFFFFFF, i32 u0x7FFFFFFF>
	%120 = bitcast <8 x i32> %119 to <8 x float>
	%121 = fneg <8 x float> %120
	%122 = fcmp ogt <8 x float> %121, <float 89.0, float 89.0, float 89.0, float 89.0, float 89.0, float 89.0, float 89.0, float 89.0>
	%123 = select <8 x i1> %122, <8 x float> <float 89.0, float 89.0, float 89.0, float 89.0, float 89.0, float 89.0, float 89.0, float 89.0>, <8 x float> %121
	%124 = fcmp olt <8 x float> %123, <float -104.0, float -104.0, float -104.0, float -104.0, float -104.0, float -104.0, float -104.0, float -104.0>
	%125 = select <8 x i1> %124, <8 x float> <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>, <8 x float> %123
	%126 = fmul <8 x float> %125, <float 0x3FF7154760000000, float 0x3FF7154760000000, float 0x3FF7154760000000, float 0x3FF7154760000000, float 0x3FF7154760000000, float 0x3FF7154760000000, float 0x3FF7154760000000, float 0x3FF7154760000000>
	%127 = fadd <8 x float> %126, <float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07>
	%128 = fsub <8 x float> %127, <float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07>
	%129 = bitcast <8 x float> %127 to <8 x i32>
	%130 = sub <8 x i32> %129, <i32 u0x4B400000, i32 u0x4B400000, i32 u0x4B400000, i32 u0x4B400000, i32 u0x4B400000, i32 u0x4B400000, i32 u0x4B400000, i32 u0x4B400000>
	%131 = fmul <8 x float> %128, <float 0x3FE62E4000000000, float 0x3FE62E4000000000, float 0x3FE62E4000000000, float 0x3FE62E4000000000, float 0x3FE62E4000000000, float 0x3FE62E4000000000, float 0x3FE62E4000000000, float 0x3FE62E4000000000>
	%132 = fsub <8 x float> %125, %131
	%133 = fmul <8 x float> %128, <float 0x3EB7F7D1C0000000, float 0x3EB7F7D1C0000000, float 0x3EB7F7D1C0000000, float 0x3EB7F7D1C0000000, float 0x3EB7F7D1C0000000, float 0x3EB7F7D1C0000000, float 0x3EB7F7D1C0000000, float 0x3EB7F7D1C0000000>
	%134 = fsub <8 x float> %132, %133
	%135 = fsub <8 x float> %132, %134
	%136 = fsub <8 x float> %135, %133
	%137 = fmul <8 x float> %134, %134
	%138 = fmul <8 x float> %134, <float 0x3FC55552C0000000, float 0x3FC55552C0000000, float 0x3FC55552C0000000, float 0x3FC55552C0000000, float 0x3FC55552C0000000, float 0x3FC55552C0000000, float 0x3FC55552C0000000, float 0x3FC55552C0000000>
	%139 = fadd <8 x float> <float 0.5, float 0.5, float 0.5, float 0.5, float 0.5, float 0.5, float 0.5, float 0.5>, %138
	%140 = fmul <8 x float> %134, <float 0x3F81155A80000000, float 0x3F81155A80000000, float 0x3F81155A80000000, float 0x3F81155A80000000, float 0x3F81155A80000000, float 0x3F81155A80000000, float 0x3F81155A80000000, float 0x3F81155A80000000>
	%141 = fadd <8 x float> <float 0x3FA5555020000000, float 0x3FA5555020000000, float 0x3FA5555020000000, float 0x3FA5555020000000, float 0x3FA5555020000000, float 0x3FA5555020000000, float 0x3FA5555020000000, float 0x3FA5555020000000>, %140
	%142 = fmul <8 x float> %134, <float 0x3F23B8ACC0000000, float 0x3F23B8ACC0000000, float 0x3F23B8ACC0000000, float 0x3F23B8ACC0000000, float 0x3F23B8ACC0000000, float 0x3F23B8ACC0000000, float 0x3F23B8ACC0000000, float 0x3F23B8ACC0000000>
	%143 = fadd <8 x float> <float 0x3F56D2E4A0000000, float 0x3F56D2E4A0000000, float 0x3F56D2E4A0000000, float 0x3F56D2E4A0000000, float 0x3F56D2E4A0000000, float 0x3F56D2E4A0000000, float 0x3F56D2E4A0000000, float 0x3F56D2E4A0000000>, %142
	%144 = fmul <8 x float> %137, %141
	%145 = fadd <8 x float> %139, %144
	%146 = fmul <8 x float> %137, %137
	%147 = fmul <8 x float> %146, %143
	%148 = fadd <8 x float> %145, %147
	%149 = fmul <8 x float> %146, %146
	%150 = fmul <8 x float> %137, %148
	%151 = fadd <8 x float> %150, %136
	%152 = fadd <8 x float> %134, %151
	%153 = fsub <8 x float> %134, %152
	%154 = fadd <8 x float> %153, %151
	%155 = fadd <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %152
	%156 = fsub <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %155
	%157 = fadd <8 x float> %156, %152
	%158 = fadd <8 x float> %157, %154
	%159 = fadd <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %134
	%160 = fsub <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %159
	%161 = fadd <8 x float> %160, %134
	%162 = fadd <8 x float> %161, %136
	%163 = fadd <8 x float> %162, %150
	%164 = fadd <8 x float> %159, %163
	%165 = ashr <8 x i32> %130, <i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1>
	%166 = add <8 x i32> %165, <i32 127, i32 127, i32 127, i32 127, i32 127, i32 127, i32 127, i32 127>
	%167 = shl <8 x i32> %166, <i32 23, i32 23, i32 23, i32 23, i32 23, i32 23, i32 23, i32 23>
	%168 = bitcast <8 x i32> %167 to <8 x float>
	%169 = sub <8 x i32> %130, %165
	%170 = add <8 x i32> %169, <i32 127, i32 127, i32 127, i32 127, i32 127, i32 127, i32 127, i32 127>
	%171 = shl <8 x i32> %170, <i32 23, i32 23, i32 23, i32 23, i32 23, i32 23, i32 23, i32 23>
	%172 = bitcast <8 x i32> %171 to <8 x float>
	%173 = fmul <8 x float> %155, %168
	%174 = fmul <8 x float> %173, %172
	%175 = select <8 x i1> %124, <8 x float> <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>, <8 x float> %174
	%176 = fmul <8 x float> %158, %168
	%177 = fmul <8 x float> %176, %172
	%178 = select <8 x i1> %124, <8 x float> <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>, <8 x float> %177
	%179 = fadd <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %175
	%180 = fsub <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %179
	%181 = fadd <8 x float> %180, %175
	%182 = fadd <8 x float> %181, %178
	%183 = fdiv <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %179
	%184 = fmul <8 x float> %182, %183
	%185 = fmul <8 x float> %183, %184
	%186 = fsub <8 x float> %183, %185
	%187 = fdiv <8 x float> %175, %179
	%188 = fmul <8 x float> %178, %183
	%189 = fmul <8 x float> %187, %184
	%190 = fsub <8 x float> %188, %189
	%191 = fadd <8 x float> %187, %190
	%192 = fcmp oge <8 x float> %87, <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>
	%193 = select <8 x i1> %192, <8 x float> %186, <8 x float> %191
	%194 = extractelement <8 x float> %84, i32 0
	%195 = extractelement <8 x float> %87, i32 0
	%196 = call float @powf(float %194, float %195)
	%197 = insertelement <8 x float> undef, float %196, i32 0
	%198 = extractelement <8 x float> %84, i32 1
	%199 = extractelement <8 x float> %87, i32 1
	%200 = call float @powf(float %198, float %199)
	%201 = insertelement <8 x float> %197, float %200, i32 1
	%202 = extractelement <8 x float> %84, i32 2
	%203 = extractelement <8 x float> %87, i32 2
	%204 = call float @powf(float %202, float %203)
	%205 = insertelement <8 x float> %201, float %204, i32 2
	%206 = extractelement <8 x float> %84, i32 3
	%207 = extractelement <8 x float> %87, i32 3
	%208 = call float @powf(float %206, float %207)
	%209 = insertelement <8 x float> %205, float %208, i32 3
	%210 = extractelement <8 x float> %84, i32 4
	%211 = extractelement <8 x float> %87, i32 4
	%212 = call float @powf(float %210, float %211)
	%213 = insertelement <8 x float> %209, float %212, i32 4
	%214 = extractelement <8 x float> %84, i32 5
	%215 = extractelement <8 x float> %87, i32 5
	%216 = call float @powf(float %214, float %215)
	%217 = insertelement <8 x float> %213, float %216, i32 5
	%218 = extractelement <8 x float> %84, i32 6
	%219 = extractelement <8 x float> %87, i32 6
	%220 = call float @powf(float %218, float %219)
	%221 = insertelement <8 x float> %217, float %220, i32 6
	%222 = extractelement <8 x float> %84, i32 7
	%223 = extractelement <8 x float> %87, i32 7
	%224 = call float @powf(float %222, float %223)
	%225 = insertelement <8 x float> %221, float %224, i32 7
	%226 = call <8 x float> @llvm.sqrt.v8f32(<8 x float> %225)
	%227 = fdiv <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %226
	%228 = icmp eq <8 x i32> %93, <i32 0, i32 0, i32 0, i32 0, i32 0, i32 0, i32 0, i32 0>
	%229 = icmp eq <8 x i32> %93, <i32 -1, i32 -1, i32 -1, i32 -1, i32 -1, i32 -1, i32 -1, i32 -1>
	%230 = or <8 x i1> %228, %229
	%231 = select <8 x i1> %230, <8 x i32> <i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1>, <8 x i32> %93
	%232 = sdiv <8 x i32> %90, %231
	%233 = sub <8 x i32> <i32 0, i32 0, i32 0, i32 0, i32 0, i32 0, i32 0, i32 0>, %90
	%234 = select <8 x i1> %229, <8 x i32> %233, <8 x i32> %232
	%235 = select <8 x i1> %228, <8 x i32> <i32 0, i32 0, i32 0, i32 0, i32 0, i32 0, i32 0, i32 0>, <8 x i32> %234
	%236 = fcmp une <8 x float> %84, %87
	%237 = icmp slt <8 x i32> %90, %93
	%238 = getelementptr inbounds float, float* %14, i64 %81
	%239 = bitcast float* %238 to <8 x float>*
	store <8 x float> %97, <8 x float>* %239, align 32, !nontemporal !0
	%240 = getelementptr inbounds float, float* %17, i64 %81
	%241 = bitcast float* %240 to <8 x float>*
	store <8 x float> %117, <8 x float>* %241, align 32, !nontemporal !0
	%242 = getelementptr inbounds float, float* %20, i64 %81
	%243 = bitcast float* %242 to <8 x float>*
	store <8 x float> %193, <8 x float>* %243, align 32, !nontemporal !0
	%244 = getelementptr inbounds float, float* %23, i64 %81
	%245 = bitcast float* %244 to <8 x float>*
	store <8 x float> %227, <8 x float>* %245, align 32, !nontemporal !0
	%246 = getelementptr inbounds i32, i32* %26, i64 %81
	%247 = bitcast i32* %246 to <8 x i32>*
	store <8 x i32> %235, <8 x i32>* %247, align 32, !nontemporal !0
	%248 = zext <8 x i1> %236 to <8 x i8>
	%249 = getelementptr inbounds i8, i8* %28, i64 %81
	%250 = bitcast i8* %249 to <8 x i8>*
	store <8 x i8> %248, <8 x i8>* %250, align 8, !nontemporal !0
	%251 = zext <8 x i1> %237 to <8 x i8>
	%252 = getelementptr inbounds i8, i8* %30, i64 %81
	%253 = bitcast i8* %252 to <8 x i8>*
	store <8 x i8> %251, <8 x i8>* %253, align 8, !nontemporal !0
	%254 = add nuw nsw i64 %81, 8
	%255 = getelementptr inbounds float, float* %2, i64 %254
	%256 = bitcast float* %255 to <8 x float>*
	%257 = load <8 x float>, <8 x float>* %256, align 4
	%258 = getelementptr inbounds float, float* %5, i64 %254
	%259 = bitcast float* %258 to <8 x float>*
	%260 = load <8 x float>, <8 x float>* %259, align 4
	%261 = getelementptr inbounds i32, i32* %8, i64 %254
	%262 = bitcast i32* %261 to <8 x i32>*
	%263 = load <8 x i32>, <8 x i32>* %262, align 4
	%264 = getelementptr inbounds i32, i32* %11, i64 %254
	%265 = bitcast i32* %264 to <8 x i32>*
	%266 = load <8 x i32>, <8 x i32>* %265, align 4
	%267 = fcmp ogt <8 x float> %257, <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>
	%268 = fcmp olt <8 x float> %257, <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>
	%269 = select <8 x i1> %268, <8 x float> <float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0>, <8 x float> %257
	%270 = select <8 x i1> %267, <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, <8 x float> %269
	%271 = fcmp ogt <8 x float> %257, <float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0>
	%272 = select <8 x i1> %271, <8 x float> %257, <8 x float> <float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0>
	%273 = bitcast <8 x float> %257 to <8 x i32>
	%274 = bitcast <8 x float> <float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0> to <8 x i32>
	%275 = and <8 x i32> %273, %274
	%276 = fcmp oeq <8 x float> %257, <float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0, float -1.0>
	%277 = bitcast <8 x i32> %275 to <8 x float>
	%278 = select <8 x i1> %276, <8 x float> %277, <8 x float> %272
	%279 = fcmp uno <8 x float> %257, %257
	%280 = select <8 x i1> %279, <8 x float> %257, <8 x float> %278
	%281 = fcmp olt <8 x float> %280, <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>
	%282 = select <8 x i1> %281, <8 x float> %280, <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>
	%283 = bitcast <8 x float> %280 to <8 x i32>
	%284 = bitcast <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0> to <8 x i32>
	%285 = or <8 x i32> %283, %284
	%286 = fcmp oeq <8 x float> %280, <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>
	%287 = bitcast <8 x i32> %285 to <8 x float>
	%288 = select <8 x i1> %286, <8 x float> %287, <8 x float> %282
	%289 = fcmp uno <8 x float> %280, %280
	%290 = select <8 x i1> %289, <8 x float> %280, <8 x float> %288
	%291 = bitcast <8 x float> %260 to <8 x i32>
	%292 = and <8 x i32> %291, <i32 u0x7FFFFFFF, i32 u0x7FFFFFFF, i32 u0x7FFFFFFF, i32 u0x7FFFFFFF, i32 u0x7FFFFFFF, i32 u0x7FFFFFFF, i32 u0x7FFFFFFF, i32 u0x7FFFFFFF>
	%293 = bitcast <8 x i32> %292 to <8 x float>
	%294 = fneg <8 x float> %293
	%295 = fcmp ogt <8 x float> %294, <float 89.0, float 89.0, float 89.0, float 89.0, float 89.0, float 89.0, float 89.0, float 89.0>
	%296 = select <8 x i1> %295, <8 x float> <float 89.0, float 89.0, float 89.0, float 89.0, float 89.0, float 89.0, float 89.0, float 89.0>, <8 x float> %294
	%297 = fcmp olt <8 x float> %296, <float -104.0, float -104.0, float -104.0, float -104.0, float -104.0, float -104.0, float -104.0, float -104.0>
	%298 = select <8 x i1> %297, <8 x float> <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>, <8 x float> %296
	%299 = fmul <8 x float> %298, <float 0x3FF7154760000000, float 0x3FF7154760000000, float 0x3FF7154760000000, float 0x3FF7154760000000, float 0x3FF7154760000000, float 0x3FF7154760000000, float 0x3FF7154760000000, float 0x3FF7154760000000>
	%300 = fadd <8 x float> %299, <float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07>
	%301 = fsub <8 x float> %300, <float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07, float 1.2582912e+07>
	%302 = bitcast <8 x float> %300 to <8 x i32>
	%303 = sub <8 x i32> %302, <i32 u0x4B400000, i32 u0x4B400000, i32 u0x4B400000, i32 u0x4B400000, i32 u0x4B400000, i32 u0x4B400000, i32 u0x4B400000, i32 u0x4B400000>
	%304 = fmul <8 x float> %301, <float 0x3FE62E4000000000, float 0x3FE62E4000000000, float 0x3FE62E4000000000, float 0x3FE62E4000000000, float 0x3FE62E4000000000, float 0x3FE62E4000000000, float 0x3FE62E4000000000, float 0x3FE62E4000000000>
	%305 = fsub <8 x float> %298, %304
	%306 = fmul <8 x float> %301, <float 0x3EB7F7D1C0000000, float 0x3EB7F7D1C0000000, float 0x3EB7F7D1C0000000, float 0x3EB7F7D1C0000000, float 0x3EB7F7D1C0000000, float 0x3EB7F7D1C0000000, float 0x3EB7F7D1C0000000, float 0x3EB7F7D1C0000000>
	%307 = fsub <8 x float> %305, %306
	%308 = fsub <8 x float> %305, %307
	%309 = fsub <8 x float> %308, %306
	%310 = fmul <8 x float> %307, %307
	%311 = fmul <8 x float> %307, <float 0x3FC55552C0000000, float 0x3FC55552C0000000, float 0x3FC55552C0000000, float 0x3FC55552C0000000, float 0x3FC55552C0000000, float 0x3FC55552C0000000, float 0x3FC55552C0000000, float 0x3FC55552C0000000>
	%312 = fadd <8 x float> <float 0.5, float 0.5, float 0.5, float 0.5, float 0.5, float 0.5, float 0.5, float 0.5>, %311
	%313 = fmul <8 x float> %307, <float 0x3F81155A80000000, float 0x3F81155A80000000, float 0x3F81155A80000000, float 0x3F81155A80000000, float 0x3F81155A80000000, float 0x3F81155A80000000, float 0x3F81155A80000000, float 0x3F81155A80000000>
	%314 = fadd <8 x float> <float 0x3FA5555020000000, float 0x3FA5555020000000, float 0x3FA5555020000000, float 0x3FA5555020000000, float 0x3FA5555020000000, float 0x3FA5555020000000, float 0x3FA5555020000000, float 0x3FA5555020000000>, %313
	%315 = fmul <8 x float> %307, <float 0x3F23B8ACC0000000, float 0x3F23B8ACC0000000, float 0x3F23B8ACC0000000, float 0x3F23B8ACC0000000, float 0x3F23B8ACC0000000, float 0x3F23B8ACC0000000, float 0x3F23B8ACC0000000, float 0x3F23B8ACC0000000>
	%316 = fadd <8 x float> <float 0x3F56D2E4A0000000, float 0x3F56D2E4A0000000, float 0x3F56D2E4A0000000, float 0x3F56D2E4A0000000, float 0x3F56D2E4A0000000, float 0x3F56D2E4A0000000, float 0x3F56D2E4A0000000, float 0x3F56D2E4A0000000>, %315
	%317 = fmul <8 x float> %310, %314
	%318 = fadd <8 x float> %312, %317
	%319 = fmul <8 x float> %310, %310
	%320 = fmul <8 x float> %319, %316
	%321 = fadd <8 x float> %318, %320
	%322 = fmul <8 x float> %319, %319
	%323 = fmul <8 x float> %310, %321
	%324 = fadd <8 x float> %323, %309
	%325 = fadd <8 x float> %307, %324
	%326 = fsub <8 x float> %307, %325
	%327 = fadd <8 x float> %326, %324
	%328 = fadd <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %325
	%329 = fsub <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %328
	%330 = fadd <8 x float> %329, %325
	%331 = fadd <8 x float> %330, %327
	%332 = fadd <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %307
	%333 = fsub <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %332
	%334 = fadd <8 x float> %333, %307
	%335 = fadd <8 x float> %334, %309
	%336 = fadd <8 x float> %335, %323
	%337 = fadd <8 x float> %332, %336
	%338 = ashr <8 x i32> %303, <i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1>
	%339 = add <8 x i32> %338, <i32 127, i32 127, i32 127, i32 127, i32 127, i32 127, i32 127, i32 127>
	%340 = shl <8 x i32> %339, <i32 23, i32 23, i32 23, i32 23, i32 23, i32 23, i32 23, i32 23>
	%341 = bitcast <8 x i32> %340 to <8 x float>
	%342 = sub <8 x i32> %303, %338
	%343 = add <8 x i32> %342, <i32 127, i32 127, i32 127, i32 127, i32 127, i32 127, i32 127, i32 127>
	%344 = shl <8 x i32> %343, <i32 23, i32 23, i32 23, i32 23, i32 23, i32 23, i32 23, i32 23>
	%345 = bitcast <8 x i32> %344 to <8 x float>
	%346 = fmul <8 x float> %328, %341
	%347 = fmul <8 x float> %346, %345
	%348 = select <8 x i1> %297, <8 x float> <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>, <8 x float> %347
	%349 = fmul <8 x float> %331, %341
	%350 = fmul <8 x float> %349, %345
	%351 = select <8 x i1> %297, <8 x float> <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>, <8 x float> %350
	%352 = fadd <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %348
	%353 = fsub <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %352
	%354 = fadd <8 x float> %353, %348
	%355 = fadd <8 x float> %354, %351
	%356 = fdiv <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %352
	%357 = fmul <8 x float> %355, %356
	%358 = fmul <8 x float> %356, %357
	%359 = fsub <8 x float> %356, %358
	%360 = fdiv <8 x float> %348, %352
	%361 = fmul <8 x float> %351, %356
	%362 = fmul <8 x float> %360, %357
	%363 = fsub <8 x float> %361, %362
	%364 = fadd <8 x float> %360, %363
	%365 = fcmp oge <8 x float> %260, <float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0, float 0.0>
	%366 = select <8 x i1> %365, <8 x float> %359, <8 x float> %364
	%367 = extractelement <8 x float> %257, i32 0
	%368 = extractelement <8 x float> %260, i32 0
	%369 = call float @powf(float %367, float %368)
	%370 = insertelement <8 x float> undef, float %369, i32 0
	%371 = extractelement <8 x float> %257, i32 1
	%372 = extractelement <8 x float> %260, i32 1
	%373 = call float @powf(float %371, float %372)
	%374 = insertelement <8 x float> %370, float %373, i32 1
	%375 = extractelement <8 x float> %257, i32 2
	%376 = extractelement <8 x float> %260, i32 2
	%377 = call float @powf(float %375, float %376)
	%378 = insertelement <8 x float> %374, float %377, i32 2
	%379 = extractelement <8 x float> %257, i32 3
	%380 = extractelement <8 x float> %260, i32 3
	%381 = call float @powf(float %379, float %380)
	%382 = insertelement <8 x float> %378, float %381, i32 3
	%383 = extractelement <8 x float> %257, i32 4
	%384 = extractelement <8 x float> %260, i32 4
	%385 = call float @powf(float %383, float %384)
	%386 = insertelement <8 x float> %382, float %385, i32 4
	%387 = extractelement <8 x float> %257, i32 5
	%388 = extractelement <8 x float> %260, i32 5
	%389 = call float @powf(float %387, float %388)
	%390 = insertelement <8 x float> %386, float %389, i32 5
	%391 = extractelement <8 x float> %257, i32 6
	%392 = extractelement <8 x float> %260, i32 6
	%393 = call float @powf(float %391, float %392)
	%394 = insertelement <8 x float> %390, float %393, i32 6
	%395 = extractelement <8 x float> %257, i32 7
	%396 = extractelement <8 x float> %260, i32 7
	%397 = call float @powf(float %395, float %396)
	%398 = insertelement <8 x float> %394, float %397, i32 7
	%399 = call <8 x float> @llvm.sqrt.v8f32(<8 x float> %398)
	%400 = fdiv <8 x float> <float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0, float 1.0>, %399
	%401 = icmp eq <8 x i32> %266, <i32 0, i32 0, i32 0, i32 0, i32 0, i32 0, i32 0, i32 0>
	%402 = icmp eq <8 x i32> %266, <i32 -1, i32 -1, i32 -1, i32 -1, i32 -1, i32 -1, i32 -1, i32 -1>
	%403 = or <8 x i1> %401, %402
	%404 = select <8 x i1> %403, <8 x i32> <i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1>, <8 x i32> %266
	%405 = sdiv <8 x i32> %263, %404
	%406 = sub <8 x i32> <i32 0, i32 0, i32 0, i32 0, i32 0, i32 0, i32 0, i32 0>, %263
	%407 = select <8 x i1> %402, <8 x i32> %406, <8 x i32> %405
	%408 = select <8 x i1> %401, <8 x i32> <i32 0, i32 0, i32 0, i32 0, i32 0, i32 0, i32 0, i32 0>, <8 x i32> %407
	%409 = fcmp une <8 x float> %257, %260
	%410 = icmp slt <8 x i32> %263, %266
	%411 = getelementptr inbounds float, float* %14, i64 %254
	%412 = bitcast float* %411 to <8 x float>*
	store <8 x float> %270, <8 x float>* %412, align 32, !nontemporal !0
	%413 = getelementptr inbounds float, float* %17, i64 %254
	%414 = bitcast float* %413 to <8 x float>*
	store <8 x float> %290, <8 x float>* %414, align 32, !nontemporal !0
	%415 = getelementptr inbounds float, float* %20, i64 %254
	%416 = bitcast float* %415 to <8 x float>*
	store <8 x float> %366, <8 x float>* %416, align 32, !nontemporal !0
	%417 = getelementptr inbounds float, float* %23, i64 %254
	%418 = bitcast float* %417 to <8 x float>*
	store <8 x float> %400, <8 x float>* %418, align 32, !nontemporal !0
	%419 = getelementptr inbounds i32, i32* %26, i64 %254
	%420 = bitcast i32* %419 to <8 x i32>*
	store <8 x i32> %408, <8 x i32>* %420, align 32, !nontemporal !0
	%421 = zext <8 x i1> %409 to <8 x i8>
	%422 = getelementptr inbounds i8, i8* %28, i64 %254
	%423 = bitcast i8* %422 to <8 x i8>*
	store <8 x i8> %421, <8 x i8>* %423, align 8, !nontemporal !0
	%424 = zext <8 x i1> %410 to <8 x i8>
	%425 = getelementptr inbounds i8, i8* %30, i64 %254
	%426 = bitcast i8* %425 to <8 x i8>*
	store <8 x i8> %424, <8 x i8>* %426, align 8, !nontemporal !0
	%427 = add nuw nsw i64 %81, 16
	%428 = icmp slt i64 %427, %44
	br i1 %428, label %stream.vec.1, label %stream.done
}

declare <8 x float> @llvm.sqrt.v8f32(<8 x float> %0)

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
