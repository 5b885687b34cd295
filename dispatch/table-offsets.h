/* Where the asm front (dispatch/front-x86.S) finds the live table's fields:
 * byte offsets into vmopt__mem_table (dispatch/dispatch.h) and into
 * vmopt__mem_front (dispatch/entry.h), which dispatch/table.c checks with
 * static assertions, so that a change to a struct fails the build rather
 * than the copy. */
#ifndef VMOPT_DISPATCH_TABLE_OFFSETS_H
#define VMOPT_DISPATCH_TABLE_OFFSETS_H

#define VMOPT__T_INLINE_MAX 8
#define VMOPT__T_MOVE_SPECIAL_MIN 48
#define VMOPT__T_SET_SPECIAL_MIN 56
#define VMOPT__T_MOVE 64
#define VMOPT__T_SET 88

#define VMOPT__FRONT_WORD 0
#define VMOPT__FRONT_INLINE_MAX 8
#define VMOPT__FRONT_MOVE_LOOP_MAX 16
#define VMOPT__FRONT_SET_LOOP_MAX 24
#define VMOPT__FRONT_RING32 32

#endif
