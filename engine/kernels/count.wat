;; Pixel-counting kernels over WebAssembly SIMD (v128), 16 pixels per step.
;;
;; A mask lives in this module's memory at byte address $ptr, row-major, $width pixels per row.
;; Every kernel counts the rectangle [x0, x1) x [y0, y1), which the caller guarantees non-empty
;; and inside the mask, with a non-empty interval. The last step of a row loads a whole vector
;; past the row's end and masks off the lanes beyond x1, so the caller keeps 64 readable bytes
;; after the mask (wasm-counter.ts does).
;;
;; A step turns 16 pixels into 16 byte lanes of 0 or -1 (qualifies); subtracting those from a
;; byte accumulator counts up to 255 steps per lane, then pairwise widening adds fold the bytes
;; into 32-bit totals.
(module
  (memory (export "memory") 1)

  (global $lane_index v128 (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15))

  ;; Lanes j < r set, the others clear (0 <= r <= 16).
  (func $lanes_below (param $r i32) (result v128)
    (i8x16.lt_u (global.get $lane_index) (i8x16.splat (local.get $r))))

  ;; The byte accumulator's lanes widened and added to a 32-bit total.
  (func $fold (param $total v128) (param $acc v128) (result v128)
    (i32x4.add (local.get $total)
      (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $acc)))))

  (func $sum_lanes (param $v v128) (result i32)
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))

  ;; 16 u8 codes at $p against [first, first + span]: (c - first) <=u span.
  (func $step_u8 (param $p i32) (param $first v128) (param $span v128) (result v128)
    (i8x16.le_u (i8x16.sub (v128.load (local.get $p)) (local.get $first)) (local.get $span)))

  ;; 16 u16 codes at $p, as two i16x8 compares narrowed to bytes (0 and -1 survive narrowing).
  (func $step_u16 (param $p i32) (param $first v128) (param $span v128) (result v128)
    (i8x16.narrow_i16x8_s
      (i16x8.le_u (i16x8.sub (v128.load (local.get $p)) (local.get $first)) (local.get $span))
      (i16x8.le_u (i16x8.sub (v128.load offset=16 (local.get $p)) (local.get $first)) (local.get $span))))

  ;; 4 f32 values against [lo, hi] as i32 lanes of 0 or -1; NaN compares false.
  (func $in_f32x4 (param $v v128) (param $lo v128) (param $hi v128) (result v128)
    (v128.and (f32x4.ge (local.get $v) (local.get $lo)) (f32x4.le (local.get $v) (local.get $hi))))

  ;; 16 f32 values at $p against [lo, hi], four compares narrowed twice to bytes.
  (func $step_f32 (param $p i32) (param $lo v128) (param $hi v128) (result v128)
    (i8x16.narrow_i16x8_s
      (i16x8.narrow_i32x4_s
        (call $in_f32x4 (v128.load (local.get $p)) (local.get $lo) (local.get $hi))
        (call $in_f32x4 (v128.load offset=16 (local.get $p)) (local.get $lo) (local.get $hi)))
      (i16x8.narrow_i32x4_s
        (call $in_f32x4 (v128.load offset=32 (local.get $p)) (local.get $lo) (local.get $hi))
        (call $in_f32x4 (v128.load offset=48 (local.get $p)) (local.get $lo) (local.get $hi)))))

  ;; u8 codes in [first, last].
  (func (export "count_u8") (param $ptr i32) (param $width i32) (param $x0 i32) (param $y0 i32) (param $x1 i32) (param $y1 i32) (param $first i32) (param $last i32) (result i32)
    (local $f v128) (local $s v128) (local $acc v128) (local $total v128)
    (local $y i32) (local $p i32) (local $end i32) (local $k i32)
    (local.set $f (i8x16.splat (local.get $first)))
    (local.set $s (i8x16.splat (i32.sub (local.get $last) (local.get $first))))
    (local.set $y (local.get $y0))
    (loop $rows
      (local.set $p (i32.add (local.get $ptr) (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x0))))
      (local.set $end (i32.add (local.get $p) (i32.sub (local.get $x1) (local.get $x0))))
      (local.set $acc (v128.const i64x2 0 0))
      (local.set $k (i32.const 0))
      (block $row_done
        (loop $steps
          (br_if $row_done (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
          (local.set $acc (i8x16.sub (local.get $acc) (call $step_u8 (local.get $p) (local.get $f) (local.get $s))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (if (i32.eq (local.get $k) (i32.const 255))
            (then
              (local.set $total (call $fold (local.get $total) (local.get $acc)))
              (local.set $acc (v128.const i64x2 0 0))
              (local.set $k (i32.const 0))))
          (br $steps)))
      (if (i32.lt_u (local.get $p) (local.get $end))
        (then
          (local.set $acc (i8x16.sub (local.get $acc)
            (v128.and (call $step_u8 (local.get $p) (local.get $f) (local.get $s))
                      (call $lanes_below (i32.sub (local.get $end) (local.get $p))))))))
      (local.set $total (call $fold (local.get $total) (local.get $acc)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_s (local.get $y) (local.get $y1))))
    (call $sum_lanes (local.get $total)))

  ;; u16 codes in [first, last]; a step covers 32 bytes.
  (func (export "count_u16") (param $ptr i32) (param $width i32) (param $x0 i32) (param $y0 i32) (param $x1 i32) (param $y1 i32) (param $first i32) (param $last i32) (result i32)
    (local $f v128) (local $s v128) (local $acc v128) (local $total v128)
    (local $y i32) (local $p i32) (local $end i32) (local $k i32)
    (local.set $f (i16x8.splat (local.get $first)))
    (local.set $s (i16x8.splat (i32.sub (local.get $last) (local.get $first))))
    (local.set $y (local.get $y0))
    (loop $rows
      (local.set $p (i32.add (local.get $ptr) (i32.shl (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x0)) (i32.const 1))))
      (local.set $end (i32.add (local.get $p) (i32.shl (i32.sub (local.get $x1) (local.get $x0)) (i32.const 1))))
      (local.set $acc (v128.const i64x2 0 0))
      (local.set $k (i32.const 0))
      (block $row_done
        (loop $steps
          (br_if $row_done (i32.gt_u (i32.add (local.get $p) (i32.const 32)) (local.get $end)))
          (local.set $acc (i8x16.sub (local.get $acc) (call $step_u16 (local.get $p) (local.get $f) (local.get $s))))
          (local.set $p (i32.add (local.get $p) (i32.const 32)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (if (i32.eq (local.get $k) (i32.const 255))
            (then
              (local.set $total (call $fold (local.get $total) (local.get $acc)))
              (local.set $acc (v128.const i64x2 0 0))
              (local.set $k (i32.const 0))))
          (br $steps)))
      (if (i32.lt_u (local.get $p) (local.get $end))
        (then
          (local.set $acc (i8x16.sub (local.get $acc)
            (v128.and (call $step_u16 (local.get $p) (local.get $f) (local.get $s))
                      (call $lanes_below (i32.shr_u (i32.sub (local.get $end) (local.get $p)) (i32.const 1))))))))
      (local.set $total (call $fold (local.get $total) (local.get $acc)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_s (local.get $y) (local.get $y1))))
    (call $sum_lanes (local.get $total)))

  ;; f32 values in [lo, hi] (float32 bounds: the caller rounds a double interval inward); a step covers 64 bytes.
  (func (export "count_f32") (param $ptr i32) (param $width i32) (param $x0 i32) (param $y0 i32) (param $x1 i32) (param $y1 i32) (param $lo f32) (param $hi f32) (result i32)
    (local $l v128) (local $h v128) (local $acc v128) (local $total v128)
    (local $y i32) (local $p i32) (local $end i32) (local $k i32)
    (local.set $l (f32x4.splat (local.get $lo)))
    (local.set $h (f32x4.splat (local.get $hi)))
    (local.set $y (local.get $y0))
    (loop $rows
      (local.set $p (i32.add (local.get $ptr) (i32.shl (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x0)) (i32.const 2))))
      (local.set $end (i32.add (local.get $p) (i32.shl (i32.sub (local.get $x1) (local.get $x0)) (i32.const 2))))
      (local.set $acc (v128.const i64x2 0 0))
      (local.set $k (i32.const 0))
      (block $row_done
        (loop $steps
          (br_if $row_done (i32.gt_u (i32.add (local.get $p) (i32.const 64)) (local.get $end)))
          (local.set $acc (i8x16.sub (local.get $acc) (call $step_f32 (local.get $p) (local.get $l) (local.get $h))))
          (local.set $p (i32.add (local.get $p) (i32.const 64)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (if (i32.eq (local.get $k) (i32.const 255))
            (then
              (local.set $total (call $fold (local.get $total) (local.get $acc)))
              (local.set $acc (v128.const i64x2 0 0))
              (local.set $k (i32.const 0))))
          (br $steps)))
      (if (i32.lt_u (local.get $p) (local.get $end))
        (then
          (local.set $acc (i8x16.sub (local.get $acc)
            (v128.and (call $step_f32 (local.get $p) (local.get $l) (local.get $h))
                      (call $lanes_below (i32.shr_u (i32.sub (local.get $end) (local.get $p)) (i32.const 2))))))))
      (local.set $total (call $fold (local.get $total) (local.get $acc)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_s (local.get $y) (local.get $y1))))
    (call $sum_lanes (local.get $total)))

  ;; One step of member m of a member table: 16-byte records {ptr, encoding (0 u8, 1 u16, 2 f32),
  ;; a, b} with a = first and b = last - first for codes, a and b the float32 bits of lo and hi for f32.
  (func $step_member (param $record i32) (param $pixel i32) (result v128)
    (local $ptr i32) (local $a i32) (local $b i32)
    (local.set $ptr (i32.load (local.get $record)))
    (local.set $a (i32.load offset=8 (local.get $record)))
    (local.set $b (i32.load offset=12 (local.get $record)))
    (block $f32
      (block $u16
        (block $u8
          (br_table $u8 $u16 $f32 (i32.load offset=4 (local.get $record))))
        (return (call $step_u8 (i32.add (local.get $ptr) (local.get $pixel))
          (i8x16.splat (local.get $a)) (i8x16.splat (local.get $b)))))
      (return (call $step_u16 (i32.add (local.get $ptr) (i32.shl (local.get $pixel) (i32.const 1)))
        (i16x8.splat (local.get $a)) (i16x8.splat (local.get $b)))))
    (call $step_f32 (i32.add (local.get $ptr) (i32.shl (local.get $pixel) (i32.const 2)))
      (f32x4.splat (f32.reinterpret_i32 (local.get $a))) (f32x4.splat (f32.reinterpret_i32 (local.get $b)))))

  ;; Over $n member records at $table (n >= 1), all $width wide: pixels qualifying in every member
  ;; (stored as i32 at $out) and in at least one (at $out + 4).
  (func (export "intersect_union") (param $table i32) (param $n i32) (param $width i32) (param $x0 i32) (param $y0 i32) (param $x1 i32) (param $y1 i32) (param $out i32)
    (local $inter_acc v128) (local $union_acc v128) (local $inter v128) (local $union v128)
    (local $all v128) (local $any v128) (local $q v128) (local $live v128)
    (local $y i32) (local $x i32) (local $record i32) (local $table_end i32) (local $pixel i32) (local $k i32)
    (local.set $table_end (i32.add (local.get $table) (i32.shl (local.get $n) (i32.const 4))))
    (local.set $y (local.get $y0))
    (loop $rows
      (local.set $x (local.get $x0))
      (local.set $inter_acc (v128.const i64x2 0 0))
      (local.set $union_acc (v128.const i64x2 0 0))
      (local.set $k (i32.const 0))
      (loop $steps
        (local.set $live (call $lanes_below (select (i32.sub (local.get $x1) (local.get $x)) (i32.const 16)
          (i32.lt_s (i32.sub (local.get $x1) (local.get $x)) (i32.const 16)))))
        (local.set $pixel (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x)))
        (local.set $all (local.get $live))
        (local.set $any (v128.const i64x2 0 0))
        (local.set $record (local.get $table))
        (loop $members
          (local.set $q (call $step_member (local.get $record) (local.get $pixel)))
          (local.set $all (v128.and (local.get $all) (local.get $q)))
          (local.set $any (v128.or (local.get $any) (local.get $q)))
          (local.set $record (i32.add (local.get $record) (i32.const 16)))
          (br_if $members (i32.lt_u (local.get $record) (local.get $table_end))))
        (local.set $inter_acc (i8x16.sub (local.get $inter_acc) (local.get $all)))
        (local.set $union_acc (i8x16.sub (local.get $union_acc) (v128.and (local.get $any) (local.get $live))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (if (i32.eq (local.get $k) (i32.const 255))
          (then
            (local.set $inter (call $fold (local.get $inter) (local.get $inter_acc)))
            (local.set $union (call $fold (local.get $union) (local.get $union_acc)))
            (local.set $inter_acc (v128.const i64x2 0 0))
            (local.set $union_acc (v128.const i64x2 0 0))
            (local.set $k (i32.const 0))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br_if $steps (i32.lt_s (local.get $x) (local.get $x1))))
      (local.set $inter (call $fold (local.get $inter) (local.get $inter_acc)))
      (local.set $union (call $fold (local.get $union) (local.get $union_acc)))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_s (local.get $y) (local.get $y1))))
    (i32.store (local.get $out) (call $sum_lanes (local.get $inter)))
    (i32.store offset=4 (local.get $out) (call $sum_lanes (local.get $union))))
)
