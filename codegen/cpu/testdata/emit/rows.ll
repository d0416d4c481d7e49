source_filename = "dlc"
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

%dlc_parallel.job = type { void (i64, i64, i8**, double*)*, i64, i64, i64, i8**, double*, i64 }

@dlc.empty.f32 = internal constant float 0x7FF8000000000000

define internal void @dlc_rows_k0.body(i64 %begin, i64 %end, float* noalias nocapture %in.x, float* noalias nocapture %in.bias, i32* noalias nocapture %in.idx, float* noalias nocapture %out.s, float* noalias nocapture %out.y, float* noalias nocapture %out.g, i64 %dim.B, i64 %dim.C, i64 %dim.K) alwaysinline nounwind "target-cpu"="x86-64-v3" {
entry:
	%0 = icmp slt i64 %begin, %end
	%1 = icmp sgt i64 %dim.C, 0
	%2 = sub i64 %dim.C, 1
	%3 = select i1 %1, i64 %2, i64 0
	br i1 %0, label %row, label %exit

row:
	%r = phi i64 [ %begin, %entry ], [ %r.next, %p1.C.done.22 ]
	%4 = mul i64 %r, %dim.C
	%5 = getelementptr inbounds float, float* %in.x, i64 %4
	%6 = getelementptr inbounds float, float* %in.bias, i64 0
	%7 = mul i64 %r, %dim.K
	%8 = getelementptr inbounds i32, i32* %in.idx, i64 %7
	%9 = select i1 %1, float* %5, float* @dlc.empty.f32
	%10 = mul i64 %r, %dim.K
	%11 = getelementptr inbounds float, float* %out.g, i64 %10
	%12 = getelementptr inbounds float, float* %out.s, i64 %r
	%13 = mul i64 %r, %dim.C
	%14 = getelementptr inbounds float, float* %out.y, i64 %13
	br label %stage0.1

stage0.1:
	%15 = sub i64 %dim.C, 8
	%16 = sub i64 %dim.C, 8
	%17 = icmp sge i64 %dim.C, 8
	br i1 %17, label %p0.C.vec.5, label %p0.C.vec.one.pre.7

p0.C.tail.pre.2:
	%18 = phi i64 [ %61, %p0.C.vec.lanes.9 ], [ %61, %p0.C.vec.combine.10 ]
	%19 = phi float [ 0.0, %p0.C.vec.lanes.9 ], [ %70, %p0.C.vec.combine.10 ]
	%20 = icmp slt i64 %18, %dim.C
	br i1 %20, label %p0.C.tail.3, label %p0.C.done.4

p0.C.tail.3:
	%21 = phi i64 [ %18, %p0.C.tail.pre.2 ], [ %28, %p0.C.tail.3 ]
	%22 = phi float [ %19, %p0.C.tail.pre.2 ], [ %27, %p0.C.tail.3 ]
	%23 = getelementptr inbounds float, float* %5, i64 %21
	%24 = load float, float* %23
	%25 = getelementptr inbounds float, float* %6, i64 %21
	%26 = load float, float* %25
	%v3 = fadd float %24, %26
	%27 = fadd float %22, %v3
	%28 = add nuw nsw i64 %21, 1
	%29 = icmp eq i64 %28, %dim.C
	br i1 %29, label %p0.C.done.4, label %p0.C.tail.3, !llvm.loop !0

p0.C.done.4:
	%v4 = phi float [ %19, %p0.C.tail.pre.2 ], [ %27, %p0.C.tail.3 ]
	%30 = insertelement <8 x i64> undef, i64 %3, i32 0
	%31 = shufflevector <8 x i64> %30, <8 x i64> undef, <8 x i32> zeroinitializer
	%32 = sub i64 %dim.K, 8
	%33 = sub i64 %dim.K, 8
	%34 = insertelement <8 x i64> undef, i64 %3, i32 0
	%35 = shufflevector <8 x i64> %34, <8 x i64> undef, <8 x i32> zeroinitializer
	%36 = icmp sge i64 %dim.K, 8
	br i1 %36, label %p0.K.vec.14, label %p0.K.vec.one.pre.16

p0.C.vec.5:
	%37 = phi i64 [ 0, %stage0.1 ], [ %47, %p0.C.vec.5 ]
	%38 = phi <8 x float> [ <float 0.0, float -0.0, float -0.0, float -0.0, float -0.0, float -0.0, float -0.0, float -0.0>, %stage0.1 ], [ %46, %p0.C.vec.5 ]
	%39 = getelementptr inbounds float, float* %5, i64 %37
	%40 = bitcast float* %39 to <8 x float>*
	%41 = load <8 x float>, <8 x float>* %40, align 4
	%42 = getelementptr inbounds float, float* %6, i64 %37
	%43 = bitcast float* %42 to <8 x float>*
	%44 = load <8 x float>, <8 x float>* %43, align 4
	%45 = fadd <8 x float> %41, %44
	%46 = fadd <8 x float> %38, %45
	%47 = add nuw nsw i64 %37, 8
	%48 = icmp sle i64 %47, %15
	br i1 %48, label %p0.C.vec.5, label %p0.C.vec.done.6

p0.C.vec.done.6:
	br label %p0.C.vec.one.pre.7

p0.C.vec.one.pre.7:
	%49 = phi i64 [ 0, %stage0.1 ], [ %47, %p0.C.vec.done.6 ]
	%50 = phi <8 x float> [ <float 0.0, float -0.0, float -0.0, float -0.0, float -0.0, float -0.0, float -0.0, float -0.0>, %stage0.1 ], [ %46, %p0.C.vec.done.6 ]
	%51 = icmp sle i64 %49, %16
	br i1 %51, label %p0.C.vec.one.8, label %p0.C.vec.lanes.9

p0.C.vec.one.8:
	%52 = getelementptr inbounds float, float* %5, i64 %49
	%53 = bitcast float* %52 to <8 x float>*
	%54 = load <8 x float>, <8 x float>* %53, align 4
	%55 = getelementptr inbounds float, float* %6, i64 %49
	%56 = bitcast float* %55 to <8 x float>*
	%57 = load <8 x float>, <8 x float>* %56, align 4
	%58 = fadd <8 x float> %54, %57
	%59 = fadd <8 x float> %50, %58
	%60 = add i64 %49, 8
	br label %p0.C.vec.lanes.9

p0.C.vec.lanes.9:
	%61 = phi i64 [ %49, %p0.C.vec.one.pre.7 ], [ %60, %p0.C.vec.one.8 ]
	%62 = phi <8 x float> [ %50, %p0.C.vec.one.pre.7 ], [ %59, %p0.C.vec.one.8 ]
	%63 = icmp sgt i64 %61, 0
	br i1 %63, label %p0.C.vec.combine.10, label %p0.C.tail.pre.2

p0.C.vec.combine.10:
	%64 = shufflevector <8 x float> %62, <8 x float> undef, <8 x i32> <i32 4, i32 5, i32 6, i32 7, i32 4, i32 5, i32 6, i32 7>
	%65 = fadd <8 x float> %62, %64
	%66 = shufflevector <8 x float> %65, <8 x float> undef, <8 x i32> <i32 2, i32 3, i32 4, i32 5, i32 6, i32 7, i32 6, i32 7>
	%67 = fadd <8 x float> %65, %66
	%68 = shufflevector <8 x float> %67, <8 x float> undef, <8 x i32> <i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7, i32 7>
	%69 = fadd <8 x float> %67, %68
	%70 = extractelement <8 x float> %69, i32 0
	br label %p0.C.tail.pre.2

p0.K.tail.pre.11:
	%71 = phi i64 [ %182, %p0.K.vec.lanes.18 ], [ %182, %p0.K.vec.combine.19 ]
	%72 = icmp slt i64 %71, %dim.K
	br i1 %72, label %p0.K.tail.12, label %p0.K.done.13

p0.K.tail.12:
	%73 = phi i64 [ %71, %p0.K.tail.pre.11 ], [ %83, %p0.K.tail.12 ]
	%74 = getelementptr inbounds i32, i32* %8, i64 %73
	%75 = load i32, i32* %74
	%76 = sext i32 %75 to i64
	%77 = icmp slt i64 %76, 0
	%78 = select i1 %77, i64 0, i64 %76
	%79 = icmp sgt i64 %78, %3
	%80 = select i1 %79, i64 %3, i64 %78
	%81 = getelementptr inbounds float, float* %9, i64 %80
	%v6 = load float, float* %81
	%82 = getelementptr inbounds float, float* %11, i64 %73
	store float %v6, float* %82
	%83 = add nuw nsw i64 %73, 1
	%84 = icmp eq i64 %83, %dim.K
	br i1 %84, label %p0.K.done.13, label %p0.K.tail.12, !llvm.loop !3

p0.K.done.13:
	store float %v4, float* %12
	%85 = insertelement <8 x float> undef, float %v4, i32 0
	%86 = shufflevector <8 x float> %85, <8 x float> undef, <8 x i32> zeroinitializer
	%87 = sub i64 %dim.C, 8
	%88 = sub i64 %dim.C, 8
	%89 = insertelement <8 x float> undef, float %v4, i32 0
	%90 = shufflevector <8 x float> %89, <8 x float> undef, <8 x i32> zeroinitializer
	%91 = icmp sge i64 %dim.C, 8
	br i1 %91, label %p1.C.vec.23, label %p1.C.vec.one.pre.25

p0.K.vec.14:
	%92 = phi i64 [ 0, %p0.C.done.4 ], [ %135, %p0.K.vec.14 ]
	%93 = getelementptr inbounds i32, i32* %8, i64 %92
	%94 = bitcast i32* %93 to <8 x i32>*
	%95 = load <8 x i32>, <8 x i32>* %94, align 4
	%96 = sext <8 x i32> %95 to <8 x i64>
	%97 = icmp slt <8 x i64> %96, <i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0>
	%98 = select <8 x i1> %97, <8 x i64> <i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0>, <8 x i64> %96
	%99 = icmp sgt <8 x i64> %98, %31
	%100 = select <8 x i1> %99, <8 x i64> %31, <8 x i64> %98
	%101 = extractelement <8 x i64> %100, i32 0
	%102 = getelementptr inbounds float, float* %9, i64 %101
	%103 = load float, float* %102
	%104 = insertelement <8 x float> undef, float %103, i32 0
	%105 = extractelement <8 x i64> %100, i32 1
	%106 = getelementptr inbounds float, float* %9, i64 %105
	%107 = load float, float* %106
	%108 = insertelement <8 x float> %104, float %107, i32 1
	%109 = extractelement <8 x i64> %100, i32 2
	%110 = getelementptr inbounds float, float* %9, i64 %109
	%111 = load float, float* %110
	%112 = insertelement <8 x float> %108, float %111, i32 2
	%113 = extractelement <8 x i64> %100, i32 3
	%114 = getelementptr inbounds float, float* %9, i64 %113
	%115 = load float, float* %114
	%116 = insertelement <8 x float> %112, float %115, i32 3
	%117 = extractelement <8 x i64> %100, i32 4
	%118 = getelementptr inbounds float, float* %9, i64 %117
	%119 = load float, float* %118
	%120 = insertelement <8 x float> %116, float %119, i32 4
	%121 = extractelement <8 x i64> %100, i32 5
	%122 = getelementptr inbounds float, float* %9, i64 %121
	%123 = load float, float* %122
	%124 = insertelement <8 x float> %120, float %123, i32 5
	%125 = extractelement <8 x i64> %100, i32 6
	%126 = getelementptr inbounds float, float* %9, i64 %125
	%127 = load float, float* %126
	%128 = insertelement <8 x float> %124, float %127, i32 6
	%129 = extractelement <8 x i64> %100, i32 7
	%130 = getelementptr inbounds float, float* %9, i64 %129
	%131 = load float, float* %130
	%132 = insertelement <8 x float> %128, float %131, i32 7
	%133 = getelementptr inbounds float, float* %11, i64 %92
	%134 = bitcast float* %133 to <8 x float>*
	store <8 x float> %132, <8 x float>* %134, align 4
	%135 = add nuw nsw i64 %92, 8
	%136 = icmp sle i64 %135, %32
	br i1 %136, label %p0.K.vec.14, label %p0.K.vec.done.15

p0.K.vec.done.15:
	br label %p0.K.vec.one.pre.16

p0.K.vec.one.pre.16:
	%137 = phi i64 [ 0, %p0.C.done.4 ], [ %135, %p0.K.vec.done.15 ]
	%138 = icmp sle i64 %137, %33
	br i1 %138, label %p0.K.vec.one.17, label %p0.K.vec.lanes.18

p0.K.vec.one.17:
	%139 = getelementptr inbounds i32, i32* %8, i64 %137
	%140 = bitcast i32* %139 to <8 x i32>*
	%141 = load <8 x i32>, <8 x i32>* %140, align 4
	%142 = sext <8 x i32> %141 to <8 x i64>
	%143 = icmp slt <8 x i64> %142, <i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0>
	%144 = select <8 x i1> %143, <8 x i64> <i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0, i64 0>, <8 x i64> %142
	%145 = icmp sgt <8 x i64> %144, %35
	%146 = select <8 x i1> %145, <8 x i64> %35, <8 x i64> %144
	%147 = extractelement <8 x i64> %146, i32 0
	%148 = getelementptr inbounds float, float* %9, i64 %147
	%149 = load float, float* %148
	%150 = insertelement <8 x float> undef, float %149, i32 0
	%151 = extractelement <8 x i64> %146, i32 1
	%152 = getelementptr inbounds float, float* %9, i64 %151
	%153 = load float, float* %152
	%154 = insertelement <8 x float> %150, float %153, i32 1
	%155 = extractelement <8 x i64> %146, i32 2
	%156 = getelementptr inbounds float, float* %9, i64 %155
	%157 = load float, float* %156
	%158 = insertelement <8 x float> %154, float %157, i32 2
	%159 = extractelement <8 x i64> %146, i32 3
	%160 = getelementptr inbounds float, float* %9, i64 %159
	%161 = load float, float* %160
	%162 = insertelement <8 x float> %158, float %161, i32 3
	%163 = extractelement <8 x i64> %146, i32 4
	%164 = getelementptr inbounds float, float* %9, i64 %163
	%165 = load float, float* %164
	%166 = insertelement <8 x float> %162, float %165, i32 4
	%167 = extractelement <8 x i64> %146, i32 5
	%168 = getelementptr inbounds float, float* %9, i64 %167
	%169 = load float, float* %168
	%170 = insertelement <8 x float> %166, float %169, i32 5
	%171 = extractelement <8 x i64> %146, i32 6
	%172 = getelementptr inbounds float, float* %9, i64 %171
	%173 = load float, float* %172
	%174 = insertelement <8 x float> %170, float %173, i32 6
	%175 = extractelement <8 x i64> %146, i32 7
	%176 = getelementptr inbounds float, float* %9, i64 %175
	%177 = load float, float* %176
	%178 = insertelement <8 x float> %174, float %177, i32 7
	%179 = getelementptr inbounds float, float* %11, i64 %137
	%180 = bitcast float* %179 to <8 x float>*
	store <8 x float> %178, <8 x float>* %180, align 4
	%181 = add i64 %137, 8
	br label %p0.K.vec.lanes.18

p0.K.vec.lanes.18:
	%182 = phi i64 [ %137, %p0.K.vec.one.pre.16 ], [ %181, %p0.K.vec.one.17 ]
	%183 = icmp sgt i64 %182, 0
	br i1 %183, label %p0.K.vec.combine.19, label %p0.K.tail.pre.11

p0.K.vec.combine.19:
	br label %p0.K.tail.pre.11

p1.C.tail.pre.20:
	%184 = phi i64 [ %227, %p1.C.vec.lanes.27 ], [ %227, %p1.C.vec.combine.28 ]
	%185 = icmp slt i64 %184, %dim.C
	br i1 %185, label %p1.C.tail.21, label %p1.C.done.22

p1.C.tail.21:
	%186 = phi i64 [ %184, %p1.C.tail.pre.20 ], [ %192, %p1.C.tail.21 ]
	%187 = getelementptr inbounds float, float* %5, i64 %186
	%188 = load float, float* %187
	%189 = getelementptr inbounds float, float* %6, i64 %186
	%190 = load float, float* %189
	%v3.1 = fadd float %188, %190
	%v5 = fsub float %v3.1, %v4
	%191 = getelementptr inbounds float, float* %14, i64 %186
	store float %v5, float* %191
	%192 = add nuw nsw i64 %186, 1
	%193 = icmp eq i64 %192, %dim.C
	br i1 %193, label %p1.C.done.22, label %p1.C.tail.21, !llvm.loop !6

p1.C.done.22:
	%r.next = add nuw nsw i64 %r, 1
	%194 = icmp eq i64 %r.next, %end
	br i1 %194, label %exit, label %row

p1.C.vec.23:
	%195 = phi i64 [ 0, %p0.K.done.13 ], [ %212, %p1.C.vec.23 ]
	%196 = getelementptr inbounds float, float* %5, i64 %195
	%197 = bitcast float* %196 to <8 x float>*
	%198 = load <8 x float>, <8 x float>* %197, align 4
	%199 = getelementptr inbounds float, float* %6, i64 %195
	%200 = bitcast float* %199 to <8 x float>*
	%201 = load <8 x float>, <8 x float>* %200, align 4
	%202 = fadd <8 x float> %198, %201
	%203 = fsub <8 x float> %202, %86
	%204 = getelementptr inbounds float, float* %14, i64 %195
	%205 = bitcast float* %204 to <8 x float>*
	store <8 x float> %203, <8 x float>* %205, align 4
	%206 = add i64 %195, %dim.C
	%207 = getelementptr float, float* %5, i64 %206
	%208 = bitcast float* %207 to i8*
	call void @llvm.prefetch.p0i8(i8* %208, i32 0, i32 3, i32 1)
	%209 = add i64 %195, %dim.C
	%210 = getelementptr float, float* %14, i64 %209
	%211 = bitcast float* %210 to i8*
	call void @llvm.prefetch.p0i8(i8* %211, i32 1, i32 3, i32 1)
	%212 = add nuw nsw i64 %195, 8
	%213 = icmp sle i64 %212, %87
	br i1 %213, label %p1.C.vec.23, label %p1.C.vec.done.24

p1.C.vec.done.24:
	br label %p1.C.vec.one.pre.25

p1.C.vec.one.pre.25:
	%214 = phi i64 [ 0, %p0.K.done.13 ], [ %212, %p1.C.vec.done.24 ]
	%215 = icmp sle i64 %214, %88
	br i1 %215, label %p1.C.vec.one.26, label %p1.C.vec.lanes.27

p1.C.vec.one.26:
	%216 = getelementptr inbounds float, float* %5, i64 %214
	%217 = bitcast float* %216 to <8 x float>*
	%218 = load <8 x float>, <8 x float>* %217, align 4
	%219 = getelementptr inbounds float, float* %6, i64 %214
	%220 = bitcast float* %219 to <8 x float>*
	%221 = load <8 x float>, <8 x float>* %220, align 4
	%222 = fadd <8 x float> %218, %221
	%223 = fsub <8 x float> %222, %90
	%224 = getelementptr inbounds float, float* %14, i64 %214
	%225 = bitcast float* %224 to <8 x float>*
	store <8 x float> %223, <8 x float>* %225, align 4
	%226 = add i64 %214, 8
	br label %p1.C.vec.lanes.27

p1.C.vec.lanes.27:
	%227 = phi i64 [ %214, %p1.C.vec.one.pre.25 ], [ %226, %p1.C.vec.one.26 ]
	%228 = icmp sgt i64 %227, 0
	br i1 %228, label %p1.C.vec.combine.28, label %p1.C.tail.pre.20

p1.C.vec.combine.28:
	br label %p1.C.tail.pre.20

exit:
	ret void
}

declare void @llvm.prefetch.p0i8(i8* %0, i32 %1, i32 %2, i32 %3)

define void @dlc_rows_k0(i64 %begin, i64 %end, i8** %bufs, double* %scalars) nounwind "target-cpu"="x86-64-v3" {
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
	%11 = bitcast i8* %10 to float*
	%12 = getelementptr inbounds i8*, i8** %bufs, i64 4
	%13 = load i8*, i8** %12
	%14 = bitcast i8* %13 to float*
	%15 = getelementptr inbounds i8*, i8** %bufs, i64 5
	%16 = load i8*, i8** %15
	%17 = bitcast i8* %16 to float*
	%18 = getelementptr inbounds double, double* %scalars, i64 0
	%19 = load double, double* %18
	%20 = call i64 @llvm.fptosi.sat.i64.f64(double %19)
	%21 = getelementptr inbounds double, double* %scalars, i64 1
	%22 = load double, double* %21
	%23 = call i64 @llvm.fptosi.sat.i64.f64(double %22)
	%24 = getelementptr inbounds double, double* %scalars, i64 2
	%25 = load double, double* %24
	%26 = call i64 @llvm.fptosi.sat.i64.f64(double %25)
	call void @dlc_rows_k0.body(i64 %begin, i64 %end, float* %2, float* %5, i32* %8, float* %11, float* %14, float* %17, i64 %20, i64 %23, i64 %26)
	ret void
}

declare i64 @llvm.fptosi.sat.i64.f64(double %0)

define internal void @dlc_rows_k1.body(i64 %begin, i64 %end, float* noalias nocapture %in.x, float* noalias nocapture %out.cols, i64 %dim.B, i64 %dim.C) alwaysinline nounwind "target-cpu"="x86-64-v3" {
entry:
	%0 = alloca [512 x float], align 32
	%1 = icmp slt i64 %begin, %end
	br i1 %1, label %run.2, label %exit.1

run.2:
	%p = phi i64 [ %begin, %entry ], [ %18, %tile.done.4 ]
	%2 = urem i64 %p, %dim.C
	%3 = sub i64 %dim.C, %2
	%4 = sub i64 %end, %p
	%5 = icmp slt i64 %3, %4
	%6 = select i1 %5, i64 %3, i64 %4
	%7 = udiv i64 %p, %dim.C
	%8 = mul i64 %7, %dim.B
	%9 = mul i64 %8, %dim.C
	%10 = add i64 %9, %2
	%11 = getelementptr inbounds float, float* %in.x, i64 %10
	%12 = icmp slt i64 0, %6
	br i1 %12, label %tile.3, label %tile.done.4

tile.3:
	%13 = phi i64 [ 0, %run.2 ], [ %63, %store.done.14 ]
	%14 = sub i64 %6, %13
	%15 = icmp slt i64 512, %14
	%16 = select i1 %15, i64 512, i64 %14
	%17 = icmp slt i64 0, %16
	br i1 %17, label %init.5, label %init.done.6

tile.done.4:
	%18 = add i64 %p, %6
	%19 = icmp slt i64 %18, %end
	br i1 %19, label %run.2, label %exit.1

init.5:
	%20 = phi i64 [ 0, %tile.3 ], [ %22, %init.5 ]
	%21 = getelementptr inbounds [512 x float], [512 x float]* %0, i64 0, i64 %20
	store float 0.0, float* %21
	%22 = add nsw i64 %20, 1
	%23 = icmp slt i64 %22, %16
	br i1 %23, label %init.5, label %init.done.6

init.done.6:
	%24 = mul i64 %16, 4
	%25 = icmp sgt i64 %24, 0
	%26 = select i1 %25, i64 %24, i64 1
	%27 = udiv i64 u0x2000, %26
	%28 = icmp slt i64 %27, 2
	%29 = select i1 %28, i64 2, i64 %27
	%30 = icmp slt i64 0, %dim.B
	br i1 %30, label %k.7, label %k.done.8

k.7:
	%31 = phi i64 [ 0, %init.done.6 ], [ %53, %acc.done.12 ]
	%32 = mul i64 %31, %dim.C
	%33 = add i64 %32, %13
	%34 = getelementptr inbounds float, float* %11, i64 %33
	%35 = mul i64 %29, %dim.C
	%36 = getelementptr float, float* %34, i64 %35
	%37 = icmp slt i64 0, %16
	br i1 %37, label %pf.9, label %pf.done.10

k.done.8:
	%38 = icmp slt i64 0, %16
	br i1 %38, label %store.13, label %store.done.14

pf.9:
	%39 = phi i64 [ 0, %k.7 ], [ %42, %pf.9 ]
	%40 = getelementptr float, float* %36, i64 %39
	%41 = bitcast float* %40 to i8*
	call void @llvm.prefetch.p0i8(i8* %41, i32 0, i32 3, i32 1)
	%42 = add nsw i64 %39, 16
	%43 = icmp slt i64 %42, %16
	br i1 %43, label %pf.9, label %pf.done.10

pf.done.10:
	%44 = icmp slt i64 0, %16
	br i1 %44, label %acc.11, label %acc.done.12

acc.11:
	%45 = phi i64 [ 0, %pf.done.10 ], [ %51, %acc.11 ]
	%46 = getelementptr inbounds float, float* %34, i64 %45
	%47 = load float, float* %46
	%48 = getelementptr inbounds [512 x float], [512 x float]* %0, i64 0, i64 %45
	%49 = load float, float* %48
	%50 = fadd float %49, %47
	store float %50, float* %48
	%51 = add nsw i64 %45, 1
	%52 = icmp slt i64 %51, %16
	br i1 %52, label %acc.11, label %acc.done.12

acc.done.12:
	%53 = add nsw i64 %31, 1
	%54 = icmp slt i64 %53, %dim.B
	br i1 %54, label %k.7, label %k.done.8

store.13:
	%55 = phi i64 [ 0, %k.done.8 ], [ %61, %store.13 ]
	%56 = getelementptr inbounds [512 x float], [512 x float]* %0, i64 0, i64 %55
	%57 = load float, float* %56
	%58 = add i64 %p, %13
	%59 = add i64 %58, %55
	%60 = getelementptr inbounds float, float* %out.cols, i64 %59
	store float %57, float* %60
	%61 = add nsw i64 %55, 1
	%62 = icmp slt i64 %61, %16
	br i1 %62, label %store.13, label %store.done.14

store.done.14:
	%63 = add nsw i64 %13, 512
	%64 = icmp slt i64 %63, %6
	br i1 %64, label %tile.3, label %tile.done.4

exit.1:
	ret void
}

define void @dlc_rows_k1(i64 %begin, i64 %end, i8** %bufs, double* %scalars) nounwind "target-cpu"="x86-64-v3" {
entry:
	%0 = getelementptr inbounds i8*, i8** %bufs, i64 0
	%1 = load i8*, i8** %0
	%2 = bitcast i8* %1 to float*
	%3 = getelementptr inbounds i8*, i8** %bufs, i64 1
	%4 = load i8*, i8** %3
	%5 = bitcast i8* %4 to float*
	%6 = getelementptr inbounds double, double* %scalars, i64 0
	%7 = load double, double* %6
	%8 = call i64 @llvm.fptosi.sat.i64.f64(double %7)
	%9 = getelementptr inbounds double, double* %scalars, i64 1
	%10 = load double, double* %9
	%11 = call i64 @llvm.fptosi.sat.i64.f64(double %10)
	call void @dlc_rows_k1.body(i64 %begin, i64 %end, float* %2, float* %5, i64 %8, i64 %11)
	ret void
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

!0 = distinct !{!0, !1, !2}
!1 = !{!"llvm.loop.vectorize.width", i32 1}
!2 = !{!"llvm.loop.unroll.disable"}
!3 = distinct !{!3, !4, !5}
!4 = !{!"llvm.loop.vectorize.width", i32 1}
!5 = !{!"llvm.loop.unroll.disable"}
!6 = distinct !{!6, !7, !8}
!7 = !{!"llvm.loop.vectorize.width", i32 1}
!8 = !{!"llvm.loop.unroll.disable"}
