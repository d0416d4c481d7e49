source_filename = "dlc"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

%dlc_parallel.job = type { void (i64, i64, i8**, double*)*, i64, i64, i64, i8**, double*, i64 }

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

define void @dlc_two_k0.stream(i64 %begin, i64 %end, i8** %bufs, double* %scalars) nounwind "target-cpu"="x86-64-v3" {
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
	%v7 = fmul float %17, %17
	%18 = getelementptr float, float* %8, i64 %begin
	%19 = ptrtoint float* %18 to i64
	%20 = and i64 %19, 31
	%21 = sub i64 32, %20
	%22 = and i64 %21, 31
	%23 = udiv i64 %22, 4
	%24 = sub i64 %end, %begin
	%25 = icmp slt i64 %23, %24
	%26 = select i1 %25, i64 %23, i64 %24
	%27 = add i64 %begin, %26
	%28 = sub i64 %end, %27
	%29 = sdiv i64 %28, 16
	%30 = mul i64 %29, 16
	%31 = add i64 %27, %30
	%32 = icmp slt i64 %begin, %end
	%33 = icmp sgt i64 %30, 0
	%34 = and i1 %32, %33
	%35 = urem i64 %20, 4
	%36 = icmp eq i64 %35, 0
	%37 = and i1 %34, %36
	%38 = getelementptr float, float* %14, i64 %27
	%39 = ptrtoint float* %38 to i64
	%40 = and i64 %39, 31
	%41 = icmp eq i64 %40, 0
	%42 = and i1 %37, %41
	br i1 %42, label %stream, label %plain

plain:
	call void @dlc_two_k0(i64 %begin, i64 %end, i8** %bufs, double* %scalars) noinline
	ret void

stream:
	call void @dlc_two_k0(i64 %begin, i64 %27, i8** %bufs, double* %scalars) noinline
	%43 = insertelement <8 x float> undef, float %17, i32 0
	%44 = shufflevector <8 x float> %43, <8 x float> undef, <8 x i32> zeroinitializer
	%45 = insertelement <8 x float> undef, float %17, i32 0
	%46 = shufflevector <8 x float> %45, <8 x float> undef, <8 x i32> zeroinitializer
	br label %stream.vec.1

stream.done:
	call void @dlc_two_k0(i64 %31, i64 %end, i8** %bufs, double* %scalars) noinline
	call void @llvm.x86.sse.sfence()
	ret void

stream.vec.1:
	%47 = phi i64 [ %27, %stream ], [ %73, %stream.vec.1 ]
	%48 = getelementptr inbounds float, float* %2, i64 %47
	%49 = bitcast float* %48 to <8 x float>*
	%50 = load <8 x float>, <8 x float>* %49, align 4
	%51 = getelementptr inbounds float, float* %5, i64 %47
	%52 = bitcast float* %51 to <8 x float>*
	%53 = load <8 x float>, <8 x float>* %52, align 4
	%54 = fmul <8 x float> %50, %44
	%55 = fadd <8 x float> %54, %53
	%56 = getelementptr inbounds float, float* %8, i64 %47
	%57 = bitcast float* %56 to <8 x float>*
	store <8 x float> %55, <8 x float>* %57, align 32, !nontemporal !0
	%58 = getelementptr inbounds float, float* %14, i64 %47
	%59 = bitcast float* %58 to <8 x float>*
	store <8 x float> %54, <8 x float>* %59, align 32, !nontemporal !0
	%60 = add nuw nsw i64 %47, 8
	%61 = getelementptr inbounds float, float* %2, i64 %60
	%62 = bitcast float* %61 to <8 x float>*
	%63 = load <8 x float>, <8 x float>* %62, align 4
	%64 = getelementptr inbounds float, float* %5, i64 %60
	%65 = bitcast float* %64 to <8 x float>*
	%66 = load <8 x float>, <8 x float>* %65, align 4
	%67 = fmul <8 x float> %63, %46
	%68 = fadd <8 x float> %67, %66
	%69 = getelementptr inbounds float, float* %8, i64 %60
	%70 = bitcast float* %69 to <8 x float>*
	store <8 x float> %68, <8 x float>* %70, align 32, !nontemporal !0
	%71 = getelementptr inbounds float, float* %14, i64 %60
	%72 = bitcast float* %71 to <8 x float>*
	store <8 x float> %67, <8 x float>* %72, align 32, !nontemporal !0
	%73 = add nuw nsw i64 %47, 16
	%74 = icmp slt i64 %73, %31
	br i1 %74, label %stream.vec.1, label %stream.done
}

declare void @llvm.x86.sse.sfence()

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

define void @dlc_two_k1.stream(i64 %begin, i64 %end, i8** %bufs, double* %scalars) nounwind "target-cpu"="x86-64-v3" {
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
	%15 = load float, float* %8
	%16 = getelementptr float, float* %11, i64 %begin
	%17 = ptrtoint float* %16 to i64
	%18 = and i64 %17, 31
	%19 = sub i64 32, %18
	%20 = and i64 %19, 31
	%21 = udiv i64 %20, 4
	%22 = sub i64 %end, %begin
	%23 = icmp slt i64 %21, %22
	%24 = select i1 %23, i64 %21, i64 %22
	%25 = add i64 %begin, %24
	%26 = sub i64 %end, %25
	%27 = sdiv i64 %26, 16
	%28 = mul i64 %27, 16
	%29 = add i64 %25, %28
	%30 = icmp slt i64 %begin, %end
	%31 = icmp sgt i64 %28, 0
	%32 = and i1 %30, %31
	%33 = urem i64 %18, 4
	%34 = icmp eq i64 %33, 0
	%35 = and i1 %32, %34
	br i1 %35, label %stream, label %plain

plain:
	call void @dlc_two_k1(i64 %begin, i64 %end, i8** %bufs, double* %scalars) noinline
	ret void

stream:
	call void @dlc_two_k1(i64 %begin, i64 %25, i8** %bufs, double* %scalars) noinline
	%36 = insertelement <8 x float> undef, float %14, i32 0
	%37 = shufflevector <8 x float> %36, <8 x float> undef, <8 x i32> zeroinitializer
	%38 = insertelement <8 x float> undef, float %15, i32 0
	%39 = shufflevector <8 x float> %38, <8 x float> undef, <8 x i32> zeroinitializer
	%40 = insertelement <8 x float> undef, float %14, i32 0
	%41 = shufflevector <8 x float> %40, <8 x float> undef, <8 x i32> zeroinitializer
	%42 = insertelement <8 x float> undef, float %15, i32 0
	%43 = shufflevector <8 x float> %42, <8 x float> undef, <8 x i32> zeroinitializer
	br label %stream.vec.1

stream.done:
	call void @dlc_two_k1(i64 %29, i64 %end, i8** %bufs, double* %scalars) noinline
	call void @llvm.x86.sse.sfence()
	ret void

stream.vec.1:
	%44 = phi i64 [ %25, %stream ], [ %68, %stream.vec.1 ]
	%45 = getelementptr inbounds float, float* %2, i64 %44
	%46 = bitcast float* %45 to <8 x float>*
	%47 = load <8 x float>, <8 x float>* %46, align 4
	%48 = getelementptr inbounds float, float* %5, i64 %44
	%49 = bitcast float* %48 to <8 x float>*
	%50 = load <8 x float>, <8 x float>* %49, align 4
	%51 = fmul <8 x float> %47, %50
	%52 = fsub <8 x float> %51, %37
	%53 = fmul <8 x float> %52, %39
	%54 = getelementptr inbounds float, float* %11, i64 %44
	%55 = bitcast float* %54 to <8 x float>*
	store <8 x float> %53, <8 x float>* %55, align 32, !nontemporal !1
	%56 = add nuw nsw i64 %44, 8
	%57 = getelementptr inbounds float, float* %2, i64 %56
	%58 = bitcast float* %57 to <8 x float>*
	%59 = load <8 x float>, <8 x float>* %58, align 4
	%60 = getelementptr inbounds float, float* %5, i64 %56
	%61 = bitcast float* %60 to <8 x float>*
	%62 = load <8 x float>, <8 x float>* %61, align 4
	%63 = fmul <8 x float> %59, %62
	%64 = fsub <8 x float> %63, %41
	%65 = fmul <8 x float> %64, %43
	%66 = getelementptr inbounds float, float* %11, i64 %56
	%67 = bitcast float* %66 to <8 x float>*
	store <8 x float> %65, <8 x float>* %67, align 32, !nontemporal !1
	%68 = add nuw nsw i64 %44, 16
	%69 = icmp slt i64 %68, %29
	br i1 %69, label %stream.vec.1, label %stream.done
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

define void @dlc_two_k2.stream(i64 %begin, i64 %end, i8** %bufs, double* %scalars) nounwind "target-cpu"="x86-64-v3" {
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
	%v14 = sitofp i32 %8 to double
	%9 = getelementptr double, double* %5, i64 %begin
	%10 = ptrtoint double* %9 to i64
	%11 = and i64 %10, 63
	%12 = sub i64 64, %11
	%13 = and i64 %12, 63
	%14 = udiv i64 %13, 8
	%15 = sub i64 %end, %begin
	%16 = icmp slt i64 %14, %15
	%17 = select i1 %16, i64 %14, i64 %15
	%18 = add i64 %begin, %17
	%19 = sub i64 %end, %18
	%20 = sdiv i64 %19, 16
	%21 = mul i64 %20, 16
	%22 = add i64 %18, %21
	%23 = icmp slt i64 %begin, %end
	%24 = icmp sgt i64 %21, 0
	%25 = and i1 %23, %24
	%26 = urem i64 %11, 8
	%27 = icmp eq i64 %26, 0
	%28 = and i1 %25, %27
	br i1 %28, label %stream, label %plain

plain:
	call void @dlc_two_k2(i64 %begin, i64 %end, i8** %bufs, double* %scalars) noinline
	ret void

stream:
	call void @dlc_two_k2(i64 %begin, i64 %18, i8** %bufs, double* %scalars) noinline
	%29 = insertelement <8 x double> undef, double %v14, i32 0
	%30 = shufflevector <8 x double> %29, <8 x double> undef, <8 x i32> zeroinitializer
	%31 = insertelement <8 x double> undef, double %v14, i32 0
	%32 = shufflevector <8 x double> %31, <8 x double> undef, <8 x i32> zeroinitializer
	br label %stream.vec.1

stream.done:
	call void @dlc_two_k2(i64 %22, i64 %end, i8** %bufs, double* %scalars) noinline
	call void @llvm.x86.sse.sfence()
	ret void

stream.vec.1:
	%33 = phi i64 [ %18, %stream ], [ %95, %stream.vec.1 ]
	%34 = getelementptr inbounds double, double* %2, i64 %33
	%35 = bitcast double* %34 to <8 x double>*
	%36 = load <8 x double>, <8 x double>* %35, align 8
	%37 = extractelement <8 x double> %36, i32 0
	%38 = call double @exp(double %37)
	%39 = insertelement <8 x double> undef, double %38, i32 0
	%40 = extractelement <8 x double> %36, i32 1
	%41 = call double @exp(double %40)
	%42 = insertelement <8 x double> %39, double %41, i32 1
	%43 = extractelement <8 x double> %36, i32 2
	%44 = call double @exp(double %43)
	%45 = insertelement <8 x double> %42, double %44, i32 2
	%46 = extractelement <8 x double> %36, i32 3
	%47 = call double @exp(double %46)
	%48 = insertelement <8 x double> %45, double %47, i32 3
	%49 = extractelement <8 x double> %36, i32 4
	%50 = call double @exp(double %49)
	%51 = insertelement <8 x double> %48, double %50, i32 4
	%52 = extractelement <8 x double> %36, i32 5
	%53 = call double @exp(double %52)
	%54 = insertelement <8 x double> %51, double %53, i32 5
	%55 = extractelement <8 x double> %36, i32 6
	%56 = call double @exp(double %55)
	%57 = insertelement <8 x double> %54, double %56, i32 6
	%58 = extractelement <8 x double> %36, i32 7
	%59 = call double @exp(double %58)
	%60 = insertelement <8 x double> %57, double %59, i32 7
	%61 = fmul <8 x double> %60, %30
	%62 = getelementptr inbounds double, double* %5, i64 %33
	%63 = bitcast double* %62 to <8 x double>*
	store <8 x double> %61, <8 x double>* %63, align 64, !nontemporal !2
	%64 = add nuw nsw i64 %33, 8
	%65 = getelementptr inbounds double, double* %2, i64 %64
	%66 = bitcast double* %65 to <8 x double>*
	%67 = load <8 x double>, <8 x double>* %66, align 8
	%68 = extractelement <8 x double> %67, i32 0
	%69 = call double @exp(double %68)
	%70 = insertelement <8 x double> undef, double %69, i32 0
	%71 = extractelement <8 x double> %67, i32 1
	%72 = call double @exp(double %71)
	%73 = insertelement <8 x double> %70, double %72, i32 1
	%74 = extractelement <8 x double> %67, i32 2
	%75 = call double @exp(double %74)
	%76 = insertelement <8 x double> %73, double %75, i32 2
	%77 = extractelement <8 x double> %67, i32 3
	%78 = call double @exp(double %77)
	%79 = insertelement <8 x double> %76, double %78, i32 3
	%80 = extractelement <8 x double> %67, i32 4
	%81 = call double @exp(double %80)
	%82 = insertelement <8 x double> %79, double %81, i32 4
	%83 = extractelement <8 x double> %67, i32 5
	%84 = call double @exp(double %83)
	%85 = insertelement <8 x double> %82, double %84, i32 5
	%86 = extractelement <8 x double> %67, i32 6
	%87 = call double @exp(double %86)
	%88 = insertelement <8 x double> %85, double %87, i32 6
	%89 = extractelement <8 x double> %67, i32 7
	%90 = call double @exp(double %89)
	%91 = insertelement <8 x double> %88, double %90, i32 7
	%92 = fmul <8 x double> %91, %32
	%93 = getelementptr inbounds double, double* %5, i64 %64
	%94 = bitcast double* %93 to <8 x double>*
	store <8 x double> %92, <8 x double>* %94, align 64, !nontemporal !2
	%95 = add nuw nsw i64 %33, 16
	%96 = icmp slt i64 %95, %22
	br i1 %96, label %stream.vec.1, label %stream.done
}

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
!1 = !{i32 1}
!2 = !{i32 1}
