source_filename = "dlc"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

%dlc_parallel.job = type { void (i64, i64, i8**, double*)*, i64, i64, i64, i8**, double*, i64 }

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

define void @dlc_storage_k0.stream(i64 %begin, i64 %end, i8** %bufs, double* %scalars) nounwind "target-cpu"="x86-64-v3" {
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
	%v15 = call double @llvm.sqrt.f64(double %37)
	%38 = getelementptr half, half* %13, i64 %begin
	%39 = ptrtoint half* %38 to i64
	%40 = and i64 %39, 15
	%41 = sub i64 16, %40
	%42 = and i64 %41, 15
	%43 = udiv i64 %42, 2
	%44 = sub i64 %end, %begin
	%45 = icmp slt i64 %43, %44
	%46 = select i1 %45, i64 %43, i64 %44
	%47 = add i64 %begin, %46
	%48 = sub i64 %end, %47
	%49 = sdiv i64 %48, 16
	%50 = mul i64 %49, 16
	%51 = add i64 %47, %50
	%52 = icmp slt i64 %begin, %end
	%53 = icmp sgt i64 %50, 0
	%54 = and i1 %52, %53
	%55 = urem i64 %40, 2
	%56 = icmp eq i64 %55, 0
	%57 = and i1 %54, %56
	%58 = getelementptr i16, i16* %16, i64 %47
	%59 = ptrtoint i16* %58 to i64
	%60 = and i64 %59, 15
	%61 = icmp eq i64 %60, 0
	%62 = and i1 %57, %61
	%63 = getelementptr i8, i8* %18, i64 %47
	%64 = ptrtoint i8* %63 to i64
	%65 = and i64 %64, 7
	%66 = icmp eq i64 %65, 0
	%67 = and i1 %62, %66
	%68 = getelementptr i64, i64* %21, i64 %47
	%69 = ptrtoint i64* %68 to i64
	%70 = and i64 %69, 63
	%71 = icmp eq i64 %70, 0
	%72 = and i1 %67, %71
	br i1 %72, label %stream, label %plain

plain:
	call void @dlc_storage_k0(i64 %begin, i64 %end, i8** %bufs, double* %scalars) noinline
	ret void

stream:
	call void @dlc_storage_k0(i64 %begin, i64 %47, i8** %bufs, double* %scalars) noinline
	%73 = insertelement <8 x float> undef, float %29, i32 0
	%74 = shufflevector <8 x float> %73, <8 x float> undef, <8 x i32> zeroinitializer
	%75 = insertelement <8 x i1> undef, i1 %35, i32 0
	%76 = shufflevector <8 x i1> %75, <8 x i1> undef, <8 x i32> zeroinitializer
	%77 = insertelement <8 x i64> undef, i64 %32, i32 0
	%78 = shufflevector <8 x i64> %77, <8 x i64> undef, <8 x i32> zeroinitializer
	%79 = insertelement <8 x float> undef, float %29, i32 0
	%80 = shufflevector <8 x float> %79, <8 x float> undef, <8 x i32> zeroinitializer
	%81 = insertelement <8 x i1> undef, i1 %35, i32 0
	%82 = shufflevector <8 x i1> %81, <8 x i1> undef, <8 x i32> zeroinitializer
	%83 = insertelement <8 x i64> undef, i64 %32, i32 0
	%84 = shufflevector <8 x i64> %83, <8 x i64> undef, <8 x i32> zeroinitializer
	br label %stream.vec.1

stream.done:
	call void @dlc_storage_k0(i64 %51, i64 %end, i8** %bufs, double* %scalars) noinline
	call void @llvm.x86.sse.sfence()
	ret void

stream.vec.1:
	%85 = phi i64 [ %47, %stream ], [ %213, %stream.vec.1 ]
	%86 = getelementptr inbounds half, half* %2, i64 %85
	%87 = bitcast half* %86 to <8 x half>*
	%88 = load <8 x half>, <8 x half>* %87, align 2
	%89 = fpext <8 x half> %88 to <8 x float>
	%90 = getelementptr inbounds i16, i16* %5, i64 %85
	%91 = bitcast i16* %90 to <8 x i16>*
	%92 = load <8 x i16>, <8 x i16>* %91, align 2
	%93 = zext <8 x i16> %92 to <8 x i32>
	%94 = shl <8 x i32> %93, <i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16>
	%95 = bitcast <8 x i32> %94 to <8 x float>
	%96 = getelementptr inbounds i8, i8* %7, i64 %85
	%97 = bitcast i8* %96 to <8 x i8>*
	%98 = load <8 x i8>, <8 x i8>* %97, align 1
	%99 = icmp ne <8 x i8> %98, <i8 0, i8 0, i8 0, i8 0, i8 0, i8 0, i8 0, i8 0>
	%100 = getelementptr inbounds i32, i32* %10, i64 %85
	%101 = bitcast i32* %100 to <8 x i32>*
	%102 = load <8 x i32>, <8 x i32>* %101, align 4
	%103 = fmul <8 x float> %89, %74
	%104 = bitcast <8 x float> %89 to <8 x i32>
	%105 = lshr <8 x i32> %104, <i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16>
	%106 = and <8 x i32> %105, <i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1>
	%107 = add <8 x i32> %106, <i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF>
	%108 = add <8 x i32> %104, %107
	%109 = lshr <8 x i32> %108, <i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16>
	%110 = or <8 x i32> %105, <i32 64, i32 64, i32 64, i32 64, i32 64, i32 64, i32 64, i32 64>
	%111 = fcmp uno <8 x float> %89, %89
	%112 = select <8 x i1> %111, <8 x i32> %110, <8 x i32> %109
	%113 = trunc <8 x i32> %112 to <8 x i16>
	%114 = zext <8 x i16> %113 to <8 x i32>
	%115 = shl <8 x i32> %114, <i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16>
	%116 = bitcast <8 x i32> %115 to <8 x float>
	%117 = fadd <8 x float> %95, %116
	%118 = xor <8 x i1> %99, <i1 true, i1 true, i1 true, i1 true, i1 true, i1 true, i1 true, i1 true>
	%119 = and <8 x i1> %118, %76
	%120 = sext <8 x i32> %102 to <8 x i64>
	%121 = icmp eq <8 x i64> %78, <i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0>
	%122 = icmp eq <8 x i64> %78, <i64 -1, i64 -1, i64 -1, i64 -1, i64 -1, i64 -1, i64 -1, i64 -1>
	%123 = or <8 x i1> %121, %122
	%124 = select <8 x i1> %123, <8 x i64> <i64 1, i64 1, i64 1, i64 1, i64 1, i64 1, i64 1, i64 1>, <8 x i64> %78
	%125 = sdiv <8 x i64> %120, %124
	%126 = sub <8 x i64> <i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0>, %120
	%127 = select <8 x i1> %122, <8 x i64> %126, <8 x i64> %125
	%128 = select <8 x i1> %121, <8 x i64> <i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0>, <8 x i64> %127
	%129 = fptrunc <8 x float> %103 to <8 x half>
	%130 = getelementptr inbounds half, half* %13, i64 %85
	%131 = bitcast half* %130 to <8 x half>*
	store <8 x half> %129, <8 x half>* %131, align 16, !nontemporal !0
	%132 = bitcast <8 x float> %117 to <8 x i32>
	%133 = lshr <8 x i32> %132, <i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16>
	%134 = and <8 x i32> %133, <i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1>
	%135 = add <8 x i32> %134, <i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF>
	%136 = add <8 x i32> %132, %135
	%137 = lshr <8 x i32> %136, <i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16>
	%138 = or <8 x i32> %133, <i32 64, i32 64, i32 64, i32 64, i32 64, i32 64, i32 64, i32 64>
	%139 = fcmp uno <8 x float> %117, %117
	%140 = select <8 x i1> %139, <8 x i32> %138, <8 x i32> %137
	%141 = trunc <8 x i32> %140 to <8 x i16>
	%142 = getelementptr inbounds i16, i16* %16, i64 %85
	%143 = bitcast i16* %142 to <8 x i16>*
	store <8 x i16> %141, <8 x i16>* %143, align 16, !nontemporal !0
	%144 = zext <8 x i1> %119 to <8 x i8>
	%145 = getelementptr inbounds i8, i8* %18, i64 %85
	%146 = bitcast i8* %145 to <8 x i8>*
	store <8 x i8> %144, <8 x i8>* %146, align 8, !nontemporal !0
	%147 = getelementptr inbounds i64, i64* %21, i64 %85
	%148 = bitcast i64* %147 to <8 x i64>*
	store <8 x i64> %128, <8 x i64>* %148, align 64, !nontemporal !0
	%149 = add nuw nsw i64 %85, 8
	%150 = getelementptr inbounds half, half* %2, i64 %149
	%151 = bitcast half* %150 to <8 x half>*
	%152 = load <8 x half>, <8 x half>* %151, align 2
	%153 = fpext <8 x half> %152 to <8 x float>
	%154 = getelementptr inbounds i16, i16* %5, i64 %149
	%155 = bitcast i16* %154 to <8 x i16>*
	%156 = load <8 x i16>, <8 x i16>* %155, align 2
	%157 = zext <8 x i16> %156 to <8 x i32>
	%158 = shl <8 x i32> %157, <i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16>
	%159 = bitcast <8 x i32> %158 to <8 x float>
	%160 = getelementptr inbounds i8, i8* %7, i64 %149
	%161 = bitcast i8* %160 to <8 x i8>*
	%162 = load <8 x i8>, <8 x i8>* %161, align 1
	%163 = icmp ne <8 x i8> %162, <i8 0, i8 0, i8 0, i8 0, i8 0, i8 0, i8 0, i8 0>
	%164 = getelementptr inbounds i32, i32* %10, i64 %149
	%165 = bitcast i32* %164 to <8 x i32>*
	%166 = load <8 x i32>, <8 x i32>* %165, align 4
	%167 = fmul <8 x float> %153, %80
	%168 = bitcast <8 x float> %153 to <8 x i32>
	%169 = lshr <8 x i32> %168, <i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16>
	%170 = and <8 x i32> %169, <i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1>
	%171 = add <8 x i32> %170, <i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF>
	%172 = add <8 x i32> %168, %171
	%173 = lshr <8 x i32> %172, <i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16>
	%174 = or <8 x i32> %169, <i32 64, i32 64, i32 64, i32 64, i32 64, i32 64, i32 64, i32 64>
	%175 = fcmp uno <8 x float> %153, %153
	%176 = select <8 x i1> %175, <8 x i32> %174, <8 x i32> %173
	%177 = trunc <8 x i32> %176 to <8 x i16>
	%178 = zext <8 x i16> %177 to <8 x i32>
	%179 = shl <8 x i32> %178, <i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16>
	%180 = bitcast <8 x i32> %179 to <8 x float>
	%181 = fadd <8 x float> %159, %180
	%182 = xor <8 x i1> %163, <i1 true, i1 true, i1 true, i1 true, i1 true, i1 true, i1 true, i1 true>
	%183 = and <8 x i1> %182, %82
	%184 = sext <8 x i32> %166 to <8 x i64>
	%185 = icmp eq <8 x i64> %84, <i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0>
	%186 = icmp eq <8 x i64> %84, <i64 -1, i64 -1, i64 -1, i64 -1, i64 -1, i64 -1, i64 -1, i64 -1>
	%187 = or <8 x i1> %185, %186
	%188 = select <8 x i1> %187, <8 x i64> <i64 1, i64 1, i64 1, i64 1, i64 1, i64 1, i64 1, i64 1>, <8 x i64> %84
	%189 = sdiv <8 x i64> %184, %188
	%190 = sub <8 x i64> <i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0>, %184
	%191 = select <8 x i1> %186, <8 x i64> %190, <8 x i64> %189
	%192 = select <8 x i1> %185, <8 x i64> <i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0>, <8 x i64> %191
	%193 = fptrunc <8 x float> %167 to <8 x half>
	%194 = getelementptr inbounds half, half* %13, i64 %149
	%195 = bitcast half* %194 to <8 x half>*
	store <8 x half> %193, <8 x half>* %195, align 16, !nontemporal !0
	%196 = bitcast <8 x float> %181 to <8 x i32>
	%197 = lshr <8 x i32> %196, <i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16>
	%198 = and <8 x i32> %197, <i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1, i32 1>
	%199 = add <8 x i32> %198, <i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF, i32 u0x7FFF>
	%200 = add <8 x i32> %196, %199
	%201 = lshr <8 x i32> %200, <i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16, i32 16>
	%202 = or <8 x i32> %197, <i32 64, i32 64, i32 64, i32 64, i32 64, i32 64, i32 64, i32 64>
	%203 = fcmp uno <8 x float> %181, %181
	%204 = select <8 x i1> %203, <8 x i32> %202, <8 x i32> %201
	%205 = trunc <8 x i32> %204 to <8 x i16>
	%206 = getelementptr inbounds i16, i16* %16, i64 %149
	%207 = bitcast i16* %206 to <8 x i16>*
	store <8 x i16> %205, <8 x i16>* %207, align 16, !nontemporal !0
	%208 = zext <8 x i1> %183 to <8 x i8>
	%209 = getelementptr inbounds i8, i8* %18, i64 %149
	%210 = bitcast i8* %209 to <8 x i8>*
	store <8 x i8> %208, <8 x i8>* %210, align 8, !nontemporal !0
	%211 = getelementptr inbounds i64, i64* %21, i64 %149
	%212 = bitcast i64* %211 to <8 x i64>*
	store <8 x i64> %192, <8 x i64>* %212, align 64, !nontemporal !0
	%213 = add nuw nsw i64 %85, 16
	%214 = icmp slt i64 %213, %51
	br i1 %214, label %stream.vec.1, label %stream.done
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
