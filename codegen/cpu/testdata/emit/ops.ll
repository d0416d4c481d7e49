source_filename = "dlc"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

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
