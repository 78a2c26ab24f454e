;; Pixel-counting kernels over WebAssembly SIMD (v128), 16 pixels per step.
;;
;; A mask lives in this module's memory at byte address $ptr, row-major, $width pixels per row.
;; Every kernel counts the rectangle [x0, x1) x [y0, y1), which the caller guarantees non-empty
;; and inside the mask, with a non-empty interval. The last step of a row loads a whole vector
;; past the row's end and masks off the lanes beyond x1, so the caller keeps 64 readable bytes
;; after the mask (wasm-counter.ts does).
;;
;; A step turns 16 pixels into 16 byte lanes of 0 or -1 (qualifies): (code - first) <=u span for
;; u8 and u16 (u16 compares narrowed to bytes), two f32 compares for f32 (NaN compares false).
;; Subtracting the lanes from a byte accumulator counts up to 255 steps per lane, then pairwise
;; widening adds fold the bytes into 32-bit totals. The loops are written out in full, helpers
;; only outside them: V8 does not inline calls between wasm functions here (measured: a call per
;; step made whole masks 4x slower, calls per row made 28 x 28 rectangles 4x slower).
(module
  (memory (export "memory") 1)

  (global $lane_index v128 (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15))

  ;; Lanes j < r set, the others clear (0 <= r <= 16).
  (func $lanes_below (param $r i32) (result v128)
    (i8x16.lt_u (global.get $lane_index) (i8x16.splat (local.get $r))))

  (func $sum_lanes (param $v v128) (result i32)
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $v)) (i32x4.extract_lane 1 (local.get $v)))
      (i32.add (i32x4.extract_lane 2 (local.get $v)) (i32x4.extract_lane 3 (local.get $v)))))

  ;; u8 codes in [first, last]. Per row: blocks of at most 254 whole steps per byte accumulator,
  ;; the last block's accumulator also takes the row's tail step, then one fold.
  (func (export "count_u8") (param $ptr i32) (param $width i32) (param $x0 i32) (param $y0 i32) (param $x1 i32) (param $y1 i32) (param $first i32) (param $last i32) (result i32)
    (local $f v128) (local $s v128) (local $acc v128) (local $total v128) (local $tail_lanes v128)
    (local $y i32) (local $p i32) (local $end i32) (local $stop i32) (local $tail i32) (local $whole i32)
    (local.set $f (i8x16.splat (local.get $first)))
    (local.set $s (i8x16.splat (i32.sub (local.get $last) (local.get $first))))
    (local.set $whole (i32.and (i32.sub (local.get $x1) (local.get $x0)) (i32.const -16)))
    (local.set $tail (i32.and (i32.sub (local.get $x1) (local.get $x0)) (i32.const 15)))
    (local.set $tail_lanes (call $lanes_below (local.get $tail)))
    (local.set $y (local.get $y0))
    (loop $rows
      (local.set $p (i32.add (local.get $ptr) (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x0))))
      (local.set $end (i32.add (local.get $p) (local.get $whole)))
      (local.set $acc (v128.const i64x2 0 0))
      (block $whole_steps_done
        (loop $blocks
          (local.set $stop (select (local.get $end) (i32.add (local.get $p) (i32.const 4064))
            (i32.lt_u (i32.sub (local.get $end) (local.get $p)) (i32.const 4064))))
          (block $block_done
            (br_if $block_done (i32.ge_u (local.get $p) (local.get $stop)))
            (loop $steps
              (local.set $acc (i8x16.sub (local.get $acc)
                (i8x16.le_u (i8x16.sub (v128.load (local.get $p)) (local.get $f)) (local.get $s))))
              (local.set $p (i32.add (local.get $p) (i32.const 16)))
              (br_if $steps (i32.lt_u (local.get $p) (local.get $stop)))))
          (br_if $whole_steps_done (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $total (i32x4.add (local.get $total)
            (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $acc)))))
          (local.set $acc (v128.const i64x2 0 0))
          (br $blocks)))
      (if (local.get $tail)
        (then
          (local.set $acc (i8x16.sub (local.get $acc) (v128.and (local.get $tail_lanes)
            (i8x16.le_u (i8x16.sub (v128.load (local.get $p)) (local.get $f)) (local.get $s)))))))
      (local.set $total (i32x4.add (local.get $total)
        (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $acc)))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_s (local.get $y) (local.get $y1))))
    (call $sum_lanes (local.get $total)))

  ;; u16 codes in [first, last]; a step covers 32 bytes; same blocks as count_u8.
  (func (export "count_u16") (param $ptr i32) (param $width i32) (param $x0 i32) (param $y0 i32) (param $x1 i32) (param $y1 i32) (param $first i32) (param $last i32) (result i32)
    (local $f v128) (local $s v128) (local $acc v128) (local $total v128) (local $tail_lanes v128)
    (local $y i32) (local $p i32) (local $end i32) (local $stop i32) (local $tail i32) (local $whole i32)
    (local.set $f (i16x8.splat (local.get $first)))
    (local.set $s (i16x8.splat (i32.sub (local.get $last) (local.get $first))))
    (local.set $whole (i32.shl (i32.and (i32.sub (local.get $x1) (local.get $x0)) (i32.const -16)) (i32.const 1)))
    (local.set $tail (i32.and (i32.sub (local.get $x1) (local.get $x0)) (i32.const 15)))
    (local.set $tail_lanes (call $lanes_below (local.get $tail)))
    (local.set $y (local.get $y0))
    (loop $rows
      (local.set $p (i32.add (local.get $ptr) (i32.shl (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x0)) (i32.const 1))))
      (local.set $end (i32.add (local.get $p) (local.get $whole)))
      (local.set $acc (v128.const i64x2 0 0))
      (block $whole_steps_done
        (loop $blocks
          (local.set $stop (select (local.get $end) (i32.add (local.get $p) (i32.const 8128))
            (i32.lt_u (i32.sub (local.get $end) (local.get $p)) (i32.const 8128))))
          (block $block_done
            (br_if $block_done (i32.ge_u (local.get $p) (local.get $stop)))
            (loop $steps
              (local.set $acc (i8x16.sub (local.get $acc)
                (i8x16.narrow_i16x8_s
                  (i16x8.le_u (i16x8.sub (v128.load (local.get $p)) (local.get $f)) (local.get $s))
                  (i16x8.le_u (i16x8.sub (v128.load offset=16 (local.get $p)) (local.get $f)) (local.get $s)))))
              (local.set $p (i32.add (local.get $p) (i32.const 32)))
              (br_if $steps (i32.lt_u (local.get $p) (local.get $stop)))))
          (br_if $whole_steps_done (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $total (i32x4.add (local.get $total)
            (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $acc)))))
          (local.set $acc (v128.const i64x2 0 0))
          (br $blocks)))
      (if (local.get $tail)
        (then
          (local.set $acc (i8x16.sub (local.get $acc) (v128.and (local.get $tail_lanes)
            (i8x16.narrow_i16x8_s
              (i16x8.le_u (i16x8.sub (v128.load (local.get $p)) (local.get $f)) (local.get $s))
              (i16x8.le_u (i16x8.sub (v128.load offset=16 (local.get $p)) (local.get $f)) (local.get $s))))))))
      (local.set $total (i32x4.add (local.get $total)
        (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $acc)))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_s (local.get $y) (local.get $y1))))
    (call $sum_lanes (local.get $total)))

  ;; f32 values in [lo, hi] (float32 ends: the caller rounds a double interval inward); a step
  ;; covers 64 bytes and counts straight into 32-bit lanes, which never overflow here; the tail's
  ;; four vectors are masked by four precomputed i32 lane masks.
  (func (export "count_f32") (param $ptr i32) (param $width i32) (param $x0 i32) (param $y0 i32) (param $x1 i32) (param $y1 i32) (param $lo f32) (param $hi f32) (result i32)
    (local $l v128) (local $h v128) (local $total v128) (local $v v128) (local $r v128)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128)
    (local $y i32) (local $p i32) (local $end i32) (local $tail i32) (local $whole i32)
    (local.set $l (f32x4.splat (local.get $lo)))
    (local.set $h (f32x4.splat (local.get $hi)))
    (local.set $whole (i32.shl (i32.and (i32.sub (local.get $x1) (local.get $x0)) (i32.const -16)) (i32.const 2)))
    (local.set $tail (i32.and (i32.sub (local.get $x1) (local.get $x0)) (i32.const 15)))
    (local.set $r (i32x4.splat (local.get $tail)))
    (local.set $m0 (i32x4.lt_s (v128.const i32x4 0 1 2 3) (local.get $r)))
    (local.set $m1 (i32x4.lt_s (v128.const i32x4 4 5 6 7) (local.get $r)))
    (local.set $m2 (i32x4.lt_s (v128.const i32x4 8 9 10 11) (local.get $r)))
    (local.set $m3 (i32x4.lt_s (v128.const i32x4 12 13 14 15) (local.get $r)))
    (local.set $y (local.get $y0))
    (loop $rows
      (local.set $p (i32.add (local.get $ptr) (i32.shl (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x0)) (i32.const 2))))
      (local.set $end (i32.add (local.get $p) (local.get $whole)))
      (block $whole_steps_done
        (br_if $whole_steps_done (i32.ge_u (local.get $p) (local.get $end)))
        (loop $steps
          (local.set $v (v128.load (local.get $p)))
          (local.set $total (i32x4.sub (local.get $total) (v128.and (f32x4.ge (local.get $v) (local.get $l)) (f32x4.le (local.get $v) (local.get $h)))))
          (local.set $v (v128.load offset=16 (local.get $p)))
          (local.set $total (i32x4.sub (local.get $total) (v128.and (f32x4.ge (local.get $v) (local.get $l)) (f32x4.le (local.get $v) (local.get $h)))))
          (local.set $v (v128.load offset=32 (local.get $p)))
          (local.set $total (i32x4.sub (local.get $total) (v128.and (f32x4.ge (local.get $v) (local.get $l)) (f32x4.le (local.get $v) (local.get $h)))))
          (local.set $v (v128.load offset=48 (local.get $p)))
          (local.set $total (i32x4.sub (local.get $total) (v128.and (f32x4.ge (local.get $v) (local.get $l)) (f32x4.le (local.get $v) (local.get $h)))))
          (local.set $p (i32.add (local.get $p) (i32.const 64)))
          (br_if $steps (i32.lt_u (local.get $p) (local.get $end)))))
      (if (local.get $tail)
        (then
          (local.set $v (v128.load (local.get $p)))
          (local.set $total (i32x4.sub (local.get $total) (v128.and (local.get $m0) (v128.and (f32x4.ge (local.get $v) (local.get $l)) (f32x4.le (local.get $v) (local.get $h))))))
          (local.set $v (v128.load offset=16 (local.get $p)))
          (local.set $total (i32x4.sub (local.get $total) (v128.and (local.get $m1) (v128.and (f32x4.ge (local.get $v) (local.get $l)) (f32x4.le (local.get $v) (local.get $h))))))
          (local.set $v (v128.load offset=32 (local.get $p)))
          (local.set $total (i32x4.sub (local.get $total) (v128.and (local.get $m2) (v128.and (f32x4.ge (local.get $v) (local.get $l)) (f32x4.le (local.get $v) (local.get $h))))))
          (local.set $v (v128.load offset=48 (local.get $p)))
          (local.set $total (i32x4.sub (local.get $total) (v128.and (local.get $m3) (v128.and (f32x4.ge (local.get $v) (local.get $l)) (f32x4.le (local.get $v) (local.get $h))))))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_s (local.get $y) (local.get $y1))))
    (call $sum_lanes (local.get $total)))

  ;; Combines one member's row into the row flags at $all (AND) and $any (OR), $steps steps of
  ;; 16 pixels from pixel index $pixel; the last step may run past x1 (masked when counting).
  ;; A member record is 16 bytes {ptr, encoding (0 u8, 1 u16, 2 f32), a, b}: a = first and
  ;; b = last - first for codes; a and b the float32 bits of lo and hi for f32.
  (func $combine_row (param $record i32) (param $pixel i32) (param $steps i32) (param $all i32) (param $any i32)
    (local $p i32) (local $end i32) (local $a v128) (local $b v128) (local $q v128) (local $encoding i32)
    (local.set $encoding (i32.load offset=4 (local.get $record)))
    (local.set $p (i32.add (i32.load (local.get $record)) (i32.shl (local.get $pixel) (local.get $encoding))))
    (local.set $end (i32.add (local.get $all) (i32.shl (local.get $steps) (i32.const 4))))
    (if (i32.eq (local.get $encoding) (i32.const 0))
      (then
        (local.set $a (i8x16.splat (i32.load offset=8 (local.get $record))))
        (local.set $b (i8x16.splat (i32.load offset=12 (local.get $record))))
        (loop $steps
          (local.set $q (i8x16.le_u (i8x16.sub (v128.load (local.get $p)) (local.get $a)) (local.get $b)))
          (v128.store (local.get $all) (v128.and (v128.load (local.get $all)) (local.get $q)))
          (v128.store (local.get $any) (v128.or (v128.load (local.get $any)) (local.get $q)))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (local.set $all (i32.add (local.get $all) (i32.const 16)))
          (local.set $any (i32.add (local.get $any) (i32.const 16)))
          (br_if $steps (i32.lt_u (local.get $all) (local.get $end))))
        (return)))
    (if (i32.eq (local.get $encoding) (i32.const 1))
      (then
        (local.set $a (i16x8.splat (i32.load offset=8 (local.get $record))))
        (local.set $b (i16x8.splat (i32.load offset=12 (local.get $record))))
        (loop $steps
          (local.set $q (i8x16.narrow_i16x8_s
            (i16x8.le_u (i16x8.sub (v128.load (local.get $p)) (local.get $a)) (local.get $b))
            (i16x8.le_u (i16x8.sub (v128.load offset=16 (local.get $p)) (local.get $a)) (local.get $b))))
          (v128.store (local.get $all) (v128.and (v128.load (local.get $all)) (local.get $q)))
          (v128.store (local.get $any) (v128.or (v128.load (local.get $any)) (local.get $q)))
          (local.set $p (i32.add (local.get $p) (i32.const 32)))
          (local.set $all (i32.add (local.get $all) (i32.const 16)))
          (local.set $any (i32.add (local.get $any) (i32.const 16)))
          (br_if $steps (i32.lt_u (local.get $all) (local.get $end))))
        (return)))
    (local.set $a (f32x4.splat (f32.load offset=8 (local.get $record))))
    (local.set $b (f32x4.splat (f32.load offset=12 (local.get $record))))
    (loop $steps
      (local.set $q (i8x16.narrow_i16x8_s
        (i16x8.narrow_i32x4_s
          (v128.and (f32x4.ge (v128.load (local.get $p)) (local.get $a)) (f32x4.le (v128.load (local.get $p)) (local.get $b)))
          (v128.and (f32x4.ge (v128.load offset=16 (local.get $p)) (local.get $a)) (f32x4.le (v128.load offset=16 (local.get $p)) (local.get $b))))
        (i16x8.narrow_i32x4_s
          (v128.and (f32x4.ge (v128.load offset=32 (local.get $p)) (local.get $a)) (f32x4.le (v128.load offset=32 (local.get $p)) (local.get $b)))
          (v128.and (f32x4.ge (v128.load offset=48 (local.get $p)) (local.get $a)) (f32x4.le (v128.load offset=48 (local.get $p)) (local.get $b))))))
      (v128.store (local.get $all) (v128.and (v128.load (local.get $all)) (local.get $q)))
      (v128.store (local.get $any) (v128.or (v128.load (local.get $any)) (local.get $q)))
      (local.set $p (i32.add (local.get $p) (i32.const 64)))
      (local.set $all (i32.add (local.get $all) (i32.const 16)))
      (local.set $any (i32.add (local.get $any) (i32.const 16)))
      (br_if $steps (i32.lt_u (local.get $all) (local.get $end)))))

  ;; Over $n member records at $table (n >= 1), all $width wide: pixels qualifying in every member
  ;; (stored as i32 at $out) and in at least one (at $out + 4). Row by row: each member's row is
  ;; combined into 2 x 16 x ceil((x1 - x0) / 16) bytes of row flags at $scratch, then counted.
  (func (export "intersect_union") (param $table i32) (param $n i32) (param $width i32) (param $x0 i32) (param $y0 i32) (param $x1 i32) (param $y1 i32) (param $scratch i32) (param $out i32)
    (local $inter v128) (local $union v128) (local $live v128) (local $tail_lanes v128)
    (local $y i32) (local $j i32) (local $steps i32) (local $any i32) (local $record i32) (local $table_end i32) (local $pixel i32)
    (local $tail i32) (local $flags_bytes i32) (local $last_step i32)
    (local.set $table_end (i32.add (local.get $table) (i32.shl (local.get $n) (i32.const 4))))
    (local.set $steps (i32.shr_u (i32.add (i32.sub (local.get $x1) (local.get $x0)) (i32.const 15)) (i32.const 4)))
    (local.set $tail (i32.and (i32.sub (local.get $x1) (local.get $x0)) (i32.const 15)))
    (local.set $flags_bytes (i32.shl (local.get $steps) (i32.const 4)))
    (local.set $any (i32.add (local.get $scratch) (local.get $flags_bytes)))
    (local.set $last_step (i32.sub (local.get $any) (i32.const 16)))
    (local.set $tail_lanes (select (call $lanes_below (local.get $tail)) (v128.const i64x2 -1 -1) (local.get $tail)))
    (local.set $y (local.get $y0))
    (loop $rows
      (local.set $pixel (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x0)))
      (memory.fill (local.get $scratch) (i32.const 255) (local.get $flags_bytes))
      (memory.fill (local.get $any) (i32.const 0) (local.get $flags_bytes))
      (local.set $record (local.get $table))
      (loop $members
        (call $combine_row (local.get $record) (local.get $pixel) (local.get $steps) (local.get $scratch) (local.get $any))
        (local.set $record (i32.add (local.get $record) (i32.const 16)))
        (br_if $members (i32.lt_u (local.get $record) (local.get $table_end))))
      ;; Count the flags; only the last step has lanes past x1.
      (local.set $j (local.get $scratch))
      (local.set $live (v128.const i64x2 -1 -1))
      (loop $count
        (if (i32.eq (local.get $j) (local.get $last_step))
          (then (local.set $live (local.get $tail_lanes))))
        (local.set $inter (i32x4.add (local.get $inter) (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (i8x16.neg
          (v128.and (local.get $live) (v128.load (local.get $j))))))))
        (local.set $union (i32x4.add (local.get $union) (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (i8x16.neg
          (v128.and (local.get $live) (v128.load (i32.add (local.get $j) (local.get $flags_bytes)))))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br_if $count (i32.lt_u (local.get $j) (local.get $any))))
      (local.set $y (i32.add (local.get $y) (i32.const 1)))
      (br_if $rows (i32.lt_s (local.get $y) (local.get $y1))))
    (i32.store (local.get $out) (call $sum_lanes (local.get $inter)))
    (i32.store offset=4 (local.get $out) (call $sum_lanes (local.get $union))))
)
