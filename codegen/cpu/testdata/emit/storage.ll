source_filename = "dlc"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

define internal void @dlc_storage_k0.body(i64 %begin, i64 %end, half* noalias nocapture %in.h, i16* noalias nocapture %in.b, i8* noalias nocapture %in.f, i32* noalias nocapture %in.i, half* noalias nocapture %out.h2, i16* noalias nocapture %out.b2, i8* noalias nocapture %out.f2, i64* noalias nocapture %out.i2, double* noalias nocapture %out.d2, float %s.s, i64 %s.k, i1 %s.on, double %s.d) alwaysinline nounwind "target-cpu"="x86-64-v3" {
entry:
	%v15 = call double @llvm.sqrt.f64(double %s.d)
	%0 = icmp eq i64 %begin, 0
	br i1 %0, label %first, label %check

first:
	store double %v15, double* %out.d2
	br label %check

check:
	%1 = icmp slt i64 %begin, %end
	br i1 %1, label %loop, label %exit

loop:
	%i = phi i64 [ %begin, %check ], [ %i.next, %loop ]
	%2 = getelementptr inbounds half, half* %in.h, i64 %i
	%3 = load half, half* %2
	%4 = fpext half %3 to float
	%5 = getelementptr inbounds i16, i16* %in.b, i64 %i
	%6 = load i16, i16* %5
	%7 = zext i16 %6 to i32
	%8 = shl i32 %7, 16
	%9 = bitcast i32 %8 to float
	%10 = getelementptr inbounds i8, i8* %in.f, i64 %i
	%11 = load i8, i8* %10
	%12 = icmp ne i8 %11, 0
	%13 = getelementptr inbounds i32, i32* %in.i, i64 %i
	%14 = load i32, i32* %13
	%v8 = fmul float %4, %s.s
	%15 = bitcast float %4 to i32
	%16 = lshr i32 %15, 16
	%17 = and i32 %16, 1
	%18 = add i32 %17, u0x7FFF
	%19 = add i32 %15, %18
	%20 = lshr i32 %19, 16
	%21 = or i32 %16, 64
	%22 = fcmp uno float %4, %4
	%23 = select i1 %22, i32 %21, i32 %20
	%24 = trunc i32 %23 to i16
	%25 = zext i16 %24 to i32
	%26 = shl i32 %25, 16
	%v9 = bitcast i32 %26 to float
	%v10 = fadd float %9, %v9
	%v11 = xor i1 %12, true
	%v12 = and i1 %v11, %s.on
	%v13 = sext i32 %14 to i64
	%27 = icmp eq i64 %s.k, 0
	%28 = icmp eq i64 %s.k, -1
	%29 = or i1 %27, %28
	%30 = select i1 %29, i64 1, i64 %s.k
	%31 = sdiv i64 %v13, %30
	%32 = sub i64 0, %v13
	%33 = select i1 %28, i64 %32, i64 %31
	%v14 = select i1 %27, i64 0, i64 %33
	%34 = fptrunc float %v8 to half
	%35 = getelementptr inbounds half, half* %out.h2, i64 %i
	store half %34, half* %35
	%36 = bitcast float %v10 to i32
	%37 = lshr i32 %36, 16
	%38 = and i32 %37, 1
	%39 = add i32 %38, u0x7FFF
	%40 = add i32 %36, %39
	%41 = lshr i32 %40, 16
	%42 = or i32 %37, 64
	%43 = fcmp uno float %v10, %v10
	%44 = select i1 %43, i32 %42, i32 %41
	%45 = trunc i32 %44 to i16
	%46 = getelementptr inbounds i16, i16* %out.b2, i64 %i
	store i16 %45, i16* %46
	%47 = zext i1 %v12 to i8
	%48 = getelementptr inbounds i8, i8* %out.f2, i64 %i
	store i8 %47, i8* %48
	%49 = getelementptr inbounds i64, i64* %out.i2, i64 %i
	store i64 %v14, i64* %49
	%i.next = add nuw nsw i64 %i, 1
	%50 = icmp eq i64 %i.next, %end
	br i1 %50, label %exit, label %loop

exit:
	ret void
}

declare double @llvm.sqrt.f64(double %0)

define void @dlc_storage_k0(i64 %begin, i64 %end, i8** %bufs, double* %scalars) nounwind "target-cpu"="x86-64-v3" {
entry:
	%0 = getelementptr inbounds i8*, i8** %bufs, i64 0
	%1 = load i8*, i8** %0
	%2 = bitcast i8* %1 to half*
	%3 = getelementptr inbounds i8*, i8** %bufs, i64 1
	%4 = load i8*, i8** %3
	%5 = bitcast i8* %4 to i16*
	%6 = getelementptr inbounds i8*, i8** %bufs, i64 2
	%7 = load i8*, i8** %6
	%8 = getelementptr inbounds i8*, i8** %bufs, i64 3
	%9 = load i8*, i8** %8
	%10 = bitcast i8* %9 to i32*
	%11 = getelementptr inbounds i8*, i8** %bufs, i64 4
	%12 = load i8*, i8** %11
	%13 = bitcast i8* %12 to half*
	%14 = getelementptr inbounds i8*, i8** %bufs, i64 5
	%15 = load i8*, i8** %14
	%16 = bitcast i8* %15 to i16*
	%17 = getelementptr inbounds i8*, i8** %bufs, i64 6
	%18 = load i8*, i8** %17
	%19 = getelementptr inbounds i8*, i8** %bufs, i64 7
	%20 = load i8*, i8** %19
	%21 = bitcast i8* %20 to i64*
	%22 = getelementptr inbounds i8*, i8** %bufs, i64 8
	%23 = load i8*, i8** %22
	%24 = bitcast i8* %23 to double*
	%25 = getelementptr inbounds double, double* %scalars, i64 0
	%26 = load double, double* %25
	%27 = fptrunc double %26 to float
	%28 = fptrunc float %27 to half
	%29 = fpext half %28 to float
	%30 = getelementptr inbounds double, double* %scalars, i64 1
	%31 = load double, double* %30
	%32 = call i64 @llvm.fptosi.sat.i64.f64(double %31)
	%33 = getelementptr inbounds double, double* %scalars, i64 2
	%34 = load double, double* %33
	%35 = fcmp une double %34, 0.0
	%36 = getelementptr inbounds double, double* %scalars, i64 3
	%37 = load double, double* %36
	call void @dlc_storage_k0.body(i64 %begin, i64 %end, half* %2, i16* %5, i8* %7, i32* %10, half* %13, i16* %16, i8* %18, i64* %21, double* %24, float %29, i64 %32, i1 %35, double %37)
	ret void
}

declare i64 @llvm.fptosi.sat.i64.f64(double %0)
