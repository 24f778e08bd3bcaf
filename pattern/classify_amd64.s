//go:build !purego

#include "textflag.h"

// classify16 compares the 16 bytes in X0 with the constants and leaves the
// masks of quotes, backslashes, opening and closing brackets in the given
// registers. X0 is clobbered.
#define CLASSIFY16(q, bs, op, cl) \
	MOVOU X0, X1 \
	PCMPEQB X8, X1 \
	PMOVMSKB X1, q \
	MOVOU X0, X2 \
	PCMPEQB X9, X2 \
	PMOVMSKB X2, bs \
	POR X10, X0 \
	MOVOU X0, X3 \
	PCMPEQB X11, X3 \
	PMOVMSKB X3, op \
	PCMPEQB X12, X0 \
	PMOVMSKB X0, cl

// func classify64(p *byte) (quote, bslash, open, close uint64)
TEXT ·classify64(SB), NOSPLIT, $0-40
	MOVQ p+0(FP), SI
	MOVOU quoteMask<>(SB), X8
	MOVOU bslashMask<>(SB), X9
	MOVOU lowerMask<>(SB), X10
	MOVOU openMask<>(SB), X11
	MOVOU closeMask<>(SB), X12

	MOVOU 48(SI), X0
	CLASSIFY16(AX, BX, CX, DX)
	SHLQ $16, AX
	SHLQ $16, BX
	SHLQ $16, CX
	SHLQ $16, DX

	MOVOU 32(SI), X0
	CLASSIFY16(R8, R9, R10, R11)
	ORQ R8, AX
	ORQ R9, BX
	ORQ R10, CX
	ORQ R11, DX
	SHLQ $16, AX
	SHLQ $16, BX
	SHLQ $16, CX
	SHLQ $16, DX

	MOVOU 16(SI), X0
	CLASSIFY16(R8, R9, R10, R11)
	ORQ R8, AX
	ORQ R9, BX
	ORQ R10, CX
	ORQ R11, DX
	SHLQ $16, AX
	SHLQ $16, BX
	SHLQ $16, CX
	SHLQ $16, DX

	MOVOU 0(SI), X0
	CLASSIFY16(R8, R9, R10, R11)
	ORQ R8, AX
	ORQ R9, BX
	ORQ R10, CX
	ORQ R11, DX

	MOVQ AX, quote+8(FP)
	MOVQ BX, bslash+16(FP)
	MOVQ CX, open+24(FP)
	MOVQ DX, close+32(FP)
	RET

DATA quoteMask<>+0(SB)/8, $0x2222222222222222
DATA quoteMask<>+8(SB)/8, $0x2222222222222222
GLOBL quoteMask<>(SB), RODATA|NOPTR, $16

DATA bslashMask<>+0(SB)/8, $0x5c5c5c5c5c5c5c5c
DATA bslashMask<>+8(SB)/8, $0x5c5c5c5c5c5c5c5c
GLOBL bslashMask<>(SB), RODATA|NOPTR, $16

DATA lowerMask<>+0(SB)/8, $0x2020202020202020
DATA lowerMask<>+8(SB)/8, $0x2020202020202020
GLOBL lowerMask<>(SB), RODATA|NOPTR, $16

DATA openMask<>+0(SB)/8, $0x7b7b7b7b7b7b7b7b
DATA openMask<>+8(SB)/8, $0x7b7b7b7b7b7b7b7b
GLOBL openMask<>(SB), RODATA|NOPTR, $16

DATA closeMask<>+0(SB)/8, $0x7d7d7d7d7d7d7d7d
DATA closeMask<>+8(SB)/8, $0x7d7d7d7d7d7d7d7d
GLOBL closeMask<>(SB), RODATA|NOPTR, $16
