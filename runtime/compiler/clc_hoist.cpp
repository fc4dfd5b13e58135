// SPDX-License-Identifier: MIT
/*
 * clc_hoist.cpp - page-granular probe hoisting for affine device accesses.
 *
 * DOC: Overview
 *
 * clc_mmu.c gives every global or constant access its own TLB probe
 * (__svmcl_translate: tag compare, then host = va + addend, else a call of
 * the miss handler). In a loop that is a compare and a possible call per
 * access, which keeps LLVM from vectorising it. But an access whose
 * address is an affine recurrence of the loop, {base,+,step} in
 * ScalarEvolution's terms, stays in one 4 KiB page for up to 4096 / |step|
 * iterations, and one page needs one translation. So, for every innermost
 * loop whose device accesses are all affine (and run on every iteration),
 * this pass strip-mines the loop into chunks:
 *
 *	it = 0
 *   dispatch:
 *	n = min(trip count - it, for each site: iterations until its access
 *		would leave the page it is in at iteration it)
 *	n == 0 (an access crosses a page): run one iteration of the original
 *		loop, with its per-access probes; it += 1; goto dispatch
 *	probe each site once at its address of iteration it (the normal
 *		probe: hit, or the miss path, which may fault); addend = host - va
 *	run n iterations of a clone of the loop in which each access is
 *		host = va + addend (no call: LLVM vectorises it); it += n
 *	goto dispatch (the clone and the original leave through the loop's
 *		own exit when the trip count is done)
 *
 * Before that, the kernel is inlined into its work-group function
 * (clc_wg.c) and the work-item geometry is made visible to
 * ScalarEvolution: cu->group_id and the other sizes are constant while a
 * work-group runs (sgpu_abi.h), so their loads move to the entry block;
 * cu->local_id[d] is written only by the work-item loop, so a load of it
 * becomes the value stored, and the stores go when nothing else could
 * read them (no call of a function that was not inlined). Then
 * get_global_id(0) is the work-item loop's induction variable and
 * a[get_global_id(0)] an affine recurrence of the work-item loop.
 *
 * DOC: Translations held across a chunk
 *
 * The quiescent-point protocol (kmd-shim/gpu/shootdown.c) assumes that a
 * unit holds a translation only between a probe and its access, and that
 * the miss path, which passes a quiescent point, is never entered while
 * one is held. In a chunk the translations of all sites are held from the
 * chunk's probes to its last iteration. Hence:
 *
 *  - Only the first probe of a chunk may pass a quiescent point; the
 *    others carry SGPU_ACCESS_HOLD, with which the miss path does not pass
 *    one, and returns 0 when it had to wait for a fault (it went quiescent
 *    holding the earlier translations): the chunk's probes then start
 *    over, as cu_translate_pair() does in miss.c.
 *  - A strip-mined loop has no call left but the probes (a loop with any
 *    other call, or with a device access that is not hoisted and would
 *    probe per access, is left alone), and it is innermost, so a chunk is
 *    a bounded, call-free run of at most 4096 iterations of a loop body
 *    without loops: microseconds. A waiter that clears the unit's first
 *    level (after SGPU_QS_FLUSH_NS) sees the unit's next chunk probe miss
 *    and pass a quiescent point; the wait is longer by at most a chunk.
 *
 * Translations are of one page each and a chunk stays within that page
 * for every site, so VRAM-resident pages (any addend) need nothing more.
 *
 * DOC: Locking
 *
 * None: a build owns its LLVM context and module.
 */
#include "config.h"

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include <llvm/ADT/SmallPtrSet.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/Analysis/AssumptionCache.h>
#include <llvm/Analysis/LoopInfo.h>
#include <llvm/Analysis/ScalarEvolution.h>
#include <llvm/Analysis/ScalarEvolutionExpressions.h>
#include <llvm/Analysis/TargetLibraryInfo.h>
#include <llvm/Analysis/ValueTracking.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/PassManager.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Transforms/Utils/BasicBlockUtils.h>
#include <llvm/Transforms/Utils/Cloning.h>
#include <llvm/Transforms/Utils/LCSSA.h>
#include <llvm/Transforms/Utils/LoopSimplify.h>
#include <llvm/Transforms/Utils/ScalarEvolutionExpander.h>
#include <llvm/Transforms/Utils/ValueMapper.h>

extern "C" {
#include "svmcl/sgpu_abi.h"
}
#include "compiler/clc_hoist.h"

using namespace llvm;

namespace {

constexpr const char *kTranslate = "__svmcl_translate";
constexpr const char *kWgPrefix = "__svmcl_wg_";
constexpr const char *kDoneMD = "svmcl.hoisted";
/* Bounds on the work done for one work-group function. */
constexpr unsigned int kMaxInlines = 256;
constexpr unsigned int kMaxLoops = 64;

constexpr uint64_t kLocalId = offsetof(struct sgpu_cu_state, local_id);
constexpr uint64_t kGeomStart = offsetof(struct sgpu_cu_state, group_id);
constexpr uint64_t kGeomEnd = offsetof(struct sgpu_cu_state, owner);

struct Analyses {
	LoopAnalysisManager lam;
	FunctionAnalysisManager fam;
	CGSCCAnalysisManager cgam;
	ModuleAnalysisManager mam;
	PassBuilder pb;

	Analyses()
	{
		pb.registerModuleAnalyses(mam);
		pb.registerCGSCCAnalyses(cgam);
		pb.registerFunctionAnalyses(fam);
		pb.registerLoopAnalyses(lam);
		pb.crossRegisterProxies(lam, fam, cgam, mam);
	}
};

bool isTranslate(const CallBase *cb, const Function *translate)
{
	return cb->getCalledFunction() == translate;
}

/*
 * Inlines every call of a defined function (the kernel, the functions it
 * calls) except the probe. False when some are left (budget).
 */
bool inlineAll(Function &f, const Function *translate)
{
	for (unsigned int budget = kMaxInlines; budget;) {
		SmallVector<CallBase *, 16> calls;

		for (BasicBlock &bb : f)
			for (Instruction &i : bb)
				if (auto *cb = dyn_cast<CallBase>(&i)) {
					Function *callee = cb->getCalledFunction();

					if (callee && !callee->isDeclaration() &&
					    callee != translate && callee != &f)
						calls.push_back(cb);
				}
		if (calls.empty())
			return true;
		for (CallBase *cb : calls) {
			InlineFunctionInfo ifi;

			if (!budget--)
				return false;
			if (!InlineFunction(*cb, ifi).isSuccess())
				return false;
		}
	}
	return false;
}

void simplify(Function &f, Analyses &a)
{
	FunctionPassManager fpm;

	fpm.addPass(SROAPass(SROAOptions::ModifyCFG));
	fpm.addPass(EarlyCSEPass(true));
	fpm.addPass(InstCombinePass());
	fpm.addPass(SimplifyCFGPass());
	fpm.run(f, a.fam);
	a.fam.invalidate(f, PreservedAnalyses::none());
}

/* The constant offset of @ptr from the unit descriptor, if it is one. */
bool cuOffset(Value *ptr, const Argument *cu, const DataLayout &dl,
	      uint64_t *off)
{
	int64_t o = 0;
	Value *base = GetPointerBaseWithConstantOffset(ptr, o, dl);

	if (base != cu || o < 0)
		return false;
	*off = (uint64_t)o;
	return true;
}

/*
 * See DOC: Overview. The local_id stores go only when every read of
 * cu->local_id was one of this function's own loads, now forwarded.
 */
void forwardGeometry(Function &f, const Function *translate)
{
	const DataLayout &dl = f.getParent()->getDataLayout();
	Argument *cu = f.getArg(1);
	BasicBlock &entry = f.getEntryBlock();
	SmallVector<LoadInst *, 16> loads;
	SmallVector<StoreInst *, 4> stores;
	StoreInst *idStore[3] = { nullptr, nullptr, nullptr };
	bool foreign = false;
	DominatorTree dt(f);

	for (BasicBlock &bb : f)
		for (Instruction &i : bb) {
			uint64_t off;

			if (auto *ld = dyn_cast<LoadInst>(&i)) {
				Value *p = ld->getPointerOperand();

				if (!cuOffset(p, cu, dl, &off)) {
					/* cu->local_id[d] for a variable d? */
					if (getUnderlyingObject(p) == cu)
						foreign = true;
				} else if (off >= kLocalId && off < kLocalId + 24) {
					loads.push_back(ld);
				} else if (ld->isSimple() && off >= kGeomStart &&
					   off < kGeomEnd) {
					loads.push_back(ld);
				}
			} else if (auto *st = dyn_cast<StoreInst>(&i)) {
				if (cuOffset(st->getPointerOperand(), cu, dl, &off) &&
				    off >= kLocalId && off < kLocalId + 24)
					stores.push_back(st);
			} else if (auto *cb = dyn_cast<CallBase>(&i)) {
				Function *callee = cb->getCalledFunction();

				/* An indirect call is a unit helper (miss, copy, set). */
				if (callee && !callee->isDeclaration() &&
				    callee != translate)
					foreign = true;
			}
		}
	for (StoreInst *st : stores) {
		uint64_t off = 0;

		cuOffset(st->getPointerOperand(), cu, dl, &off);
		if ((off - kLocalId) % 8 || !st->getValueOperand()->getType()->isIntegerTy(64) ||
		    idStore[(off - kLocalId) / 8])
			return;	/* not clc_wg.c's loop: leave it all alone */
		idStore[(off - kLocalId) / 8] = st;
	}

	IRBuilder<> b(&*entry.getFirstInsertionPt());
	bool idLeft = false;

	/* Allocas stay first. */
	for (Instruction &i : entry)
		if (!isa<AllocaInst>(&i)) {
			b.SetInsertPoint(&i);
			break;
		}
	for (LoadInst *ld : loads) {
		uint64_t off = 0;

		cuOffset(ld->getPointerOperand(), cu, dl, &off);
		if (off >= kLocalId && off < kLocalId + 24) {
			StoreInst *st = idStore[(off - kLocalId) / 8];

			if (st && (off - kLocalId) % 8 == 0 &&
			    ld->getType()->isIntegerTy(64) && dt.dominates(st, ld)) {
				ld->replaceAllUsesWith(st->getValueOperand());
				ld->eraseFromParent();
			} else {
				idLeft = true;
			}
			continue;
		}
		/* Constant while the work-group runs: load once, up front. */
		Value *p = b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), cu, off);
		LoadInst *nl = b.CreateLoad(ld->getType(), p);

		nl->setAlignment(ld->getAlign());
		ld->replaceAllUsesWith(nl);
		ld->eraseFromParent();
	}
	if (!idLeft && !foreign)
		for (StoreInst *st : stores)
			st->eraseFromParent();
}

struct Site {
	CallInst *call;
	const SCEVAddRecExpr *ar;
	int64_t step;
	uint64_t size;
};

bool callAllowed(const CallBase *cb, const Function *translate)
{
	const Function *callee = cb->getCalledFunction();

	if (isTranslate(cb, translate))
		return true;
	if (!callee)
		return false;
	if (auto *ii = dyn_cast<IntrinsicInst>(cb))
		return !ii->mayHaveSideEffects() || isa<DbgInfoIntrinsic>(ii) ||
		       ii->getIntrinsicID() == Intrinsic::lifetime_start ||
		       ii->getIntrinsicID() == Intrinsic::lifetime_end ||
		       ii->getIntrinsicID() == Intrinsic::assume;
	return cb->doesNotAccessMemory() && cb->doesNotThrow() &&
	       cb->willReturn();
}

/* The sites of @l, or false when @l is not eligible (DOC: Overview). */
bool collectSites(Loop *l, const Function *translate, ScalarEvolution &se,
		  DominatorTree &dt, SmallVectorImpl<Site> &sites)
{
	BasicBlock *latch = l->getLoopLatch();

	for (BasicBlock *bb : l->blocks())
		for (Instruction &i : *bb) {
			auto *cb = dyn_cast<CallBase>(&i);

			if (!cb)
				continue;
			if (!callAllowed(cb, translate))
				return false;
			if (!isTranslate(cb, translate))
				continue;

			auto *ci = dyn_cast<CallInst>(cb);
			auto *acc = dyn_cast<ConstantInt>(cb->getArgOperand(2));
			if (!ci || !acc || !dt.dominates(bb, latch))
				return false;
			uint64_t access = acc->getZExtValue();
			uint64_t size = SGPU_ACCESS_SIZE(access);
			if (SGPU_ACCESS_KIND(access) == SGPU_ACCESS_ATOMIC ||
			    !size || size > SGPU_PAGE_SIZE)
				return false;

			const SCEV *s = se.getSCEV(cb->getArgOperand(1));
			auto *ar = dyn_cast<SCEVAddRecExpr>(s);
			if (!ar || ar->getLoop() != l || !ar->isAffine() ||
			    !se.isLoopInvariant(ar->getStart(), l))
				return false;
			auto *step = dyn_cast<SCEVConstant>(ar->getStepRecurrence(se));
			if (!step)
				return false;
			int64_t st = step->getAPInt().getSExtValue();
			if (st >= (int64_t)SGPU_PAGE_SIZE ||
			    st <= -(int64_t)SGPU_PAGE_SIZE)
				return false;
			sites.push_back({ ci, ar, st, size });
		}
	return !sites.empty();
}

/* Iterations from the one at @va0 on whose access stays in its page. */
Value *itersInPage(IRBuilder<> &b, Value *va0, const Site &s, Value *rem)
{
	Value *off = b.CreateAnd(va0, SGPU_PAGE_SIZE - 1);
	Value *fits = b.CreateICmpULE(b.CreateAdd(off, b.getInt64(s.size)),
				      b.getInt64(SGPU_PAGE_SIZE));
	Value *n;

	if (s.step > 0)
		n = b.CreateUDiv(b.CreateSub(b.getInt64(SGPU_PAGE_SIZE - s.size),
					     off),
				 b.getInt64((uint64_t)s.step));
	else if (s.step < 0)
		n = b.CreateUDiv(off, b.getInt64((uint64_t)-s.step));
	else
		return b.CreateSelect(fits, rem, b.getInt64(0));
	/* Not fitting makes the subtraction wrap: the select drops it. */
	return b.CreateSelect(fits, b.CreateAdd(n, b.getInt64(1)),
			      b.getInt64(0));
}

Value *umin(IRBuilder<> &b, Value *x, Value *y)
{
	return b.CreateSelect(b.CreateICmpULT(x, y), x, y);
}

/* Strip-mines @l (DOC: Overview). @sites are all its device accesses. */
bool stripMine(Loop *l, SmallVectorImpl<Site> &sites, LoopInfo &li,
	       DominatorTree &dt, ScalarEvolution &se, Function &f)
{
	BasicBlock *pre = l->getLoopPreheader();
	BasicBlock *header = l->getHeader();
	BasicBlock *latch = l->getLoopLatch();
	BasicBlock *exitBB = l->getExitBlock();
	LLVMContext &ctx = f.getContext();
	const DataLayout &dl = f.getParent()->getDataLayout();
	Type *i64 = Type::getInt64Ty(ctx);

	if (!pre || !latch || !exitBB || l->getExitingBlock() != latch ||
	    exitBB->getUniquePredecessor() != latch)
		return false;
	auto *latchBr = dyn_cast<BranchInst>(latch->getTerminator());
	if (!latchBr || !latchBr->isConditional())
		return false;
	const SCEV *btc = se.getBackedgeTakenCount(l);
	if (isa<SCEVCouldNotCompute>(btc) || !btc->getType()->isIntegerTy() ||
	    btc->getType()->getIntegerBitWidth() > 64)
		return false;

	SCEVExpander exp(se, dl, "svmcl.hoist");
	const SCEV *tcS = se.getAddExpr(se.getZeroExtendExpr(btc, i64),
					se.getOne(i64));
	if (!exp.isSafeToExpand(tcS))
		return false;
	for (const Site &s : sites)
		if (!exp.isSafeToExpand(s.ar->getStart()))
			return false;

	Instruction *preTerm = pre->getTerminator();
	Value *tc = exp.expandCodeFor(tcS, i64, preTerm);
	SmallVector<Value *, 8> starts;
	for (const Site &s : sites)
		starts.push_back(exp.expandCodeFor(s.ar->getStart(), i64, preTerm));
	exp.clear();

	SmallVector<PHINode *, 8> phis;
	for (PHINode &p : header->phis())
		phis.push_back(&p);

	/* The fast clone of the loop. */
	ValueToValueMapTy vmap;
	SmallVector<BasicBlock *, 16> fastBlocks;
	for (BasicBlock *bb : l->blocks()) {
		BasicBlock *nb = CloneBasicBlock(bb, vmap, ".fast", &f);

		vmap[bb] = nb;
		fastBlocks.push_back(nb);
	}
	remapInstructionsInBlocks(fastBlocks, vmap);
	auto *fHeader = cast<BasicBlock>(vmap[header]);
	auto *fLatch = cast<BasicBlock>(vmap[latch]);

	BasicBlock *dispatch = BasicBlock::Create(ctx, "chunk", &f, header);
	BasicBlock *probe = BasicBlock::Create(ctx, "chunk.probe", &f, header);
	BasicBlock *fastCont = BasicBlock::Create(ctx, "chunk.next", &f, header);
	BasicBlock *slowCont = BasicBlock::Create(ctx, "chunk.slow", &f, header);

	/* dispatch: it, the loop-carried values, n. */
	IRBuilder<> b(dispatch);
	PHINode *it = b.CreatePHI(i64, 3, "it");
	SmallVector<PHINode *, 8> carried;
	for (PHINode *p : phis)
		carried.push_back(b.CreatePHI(p->getType(), 3, p->getName() + ".c"));
	Value *rem = b.CreateSub(tc, it, "rem");
	Value *n = rem;
	SmallVector<Value *, 8> va0;
	for (size_t k = 0; k < sites.size(); k++) {
		Value *v = b.CreateAdd(starts[k],
				       b.CreateMul(it, b.getInt64((uint64_t)sites[k].step)));

		va0.push_back(v);
		n = umin(b, n, itersInPage(b, v, sites[k], rem));
	}
	b.CreateCondBr(b.CreateICmpEQ(n, b.getInt64(0)), header, probe);

	/* probe: each site once; start over if a held probe had to wait. */
	b.SetInsertPoint(probe);
	SmallVector<Value *, 8> addends;
	Value *lost = nullptr;
	for (size_t k = 0; k < sites.size(); k++) {
		CallInst *c = cast<CallInst>(sites[k].call->clone());
		uint64_t access = cast<ConstantInt>(c->getArgOperand(2))->getZExtValue();

		if (k)
			c->setArgOperand(2, b.getInt64(access | SGPU_ACCESS_HOLD));
		c->setArgOperand(1, va0[k]);
		b.Insert(c, "host0");
		if (k) {
			Value *z = b.CreateICmpEQ(c, b.getInt64(0));

			lost = lost ? b.CreateOr(lost, z) : z;
		}
		addends.push_back(b.CreateSub(c, va0[k], "addend"));
	}
	if (lost) {
		BasicBlock *run = BasicBlock::Create(ctx, "chunk.run", &f, header);

		b.CreateCondBr(lost, probe, run);
		b.SetInsertPoint(run);
	}
	BasicBlock *probeEnd = b.GetInsertBlock();
	b.CreateBr(fHeader);

	/* The fast clone: chunk counter, plain accesses, exit to dispatch. */
	b.SetInsertPoint(&*fHeader->getFirstInsertionPt());
	PHINode *c = b.CreatePHI(i64, 2, "chunk.i");
	c->addIncoming(b.getInt64(0), probeEnd);
	/*
	 * host = va + addend, written as a byte offset from the addend seen
	 * as a pointer: ScalarEvolution then sees a pointer recurrence (it
	 * does not look through inttoptr), which the vectoriser needs.
	 */
	b.SetInsertPoint(probeEnd->getTerminator());
	SmallVector<Value *, 8> bases;
	for (size_t k = 0; k < sites.size(); k++)
		bases.push_back(b.CreateIntToPtr(addends[k], PointerType::get(ctx, 0),
						 "page.base"));
	for (size_t k = 0; k < sites.size(); k++) {
		auto *fc = cast<CallInst>(vmap[sites[k].call]);
		Value *va = fc->getArgOperand(1);
		SmallVector<User *, 4> users(fc->users());

		for (User *u : users) {
			auto *itp = dyn_cast<IntToPtrInst>(u);

			if (!itp || itp->getType() != bases[k]->getType())
				continue;
			b.SetInsertPoint(itp);
			itp->replaceAllUsesWith(b.CreateGEP(b.getInt8Ty(), bases[k], va));
			itp->eraseFromParent();
		}
		b.SetInsertPoint(fc);
		fc->replaceAllUsesWith(b.CreateAdd(va, addends[k]));
		fc->eraseFromParent();
	}
	for (size_t k = 0; k < phis.size(); k++) {
		auto *fp = cast<PHINode>(vmap[phis[k]]);
		int pi = fp->getBasicBlockIndex(pre);

		fp->setIncomingBlock(pi, probeEnd);
		fp->setIncomingValue(pi, carried[k]);
		fp->setIncomingBlock(fp->getBasicBlockIndex(fLatch), fastCont);
	}
	auto *fBr = cast<BranchInst>(fLatch->getTerminator());
	for (unsigned int s = 0; s < 2; s++)
		if (fBr->getSuccessor(s) == fHeader)
			fBr->setSuccessor(s, fastCont);
	b.SetInsertPoint(fastCont);
	Value *c1 = b.CreateAdd(c, b.getInt64(1));
	c->addIncoming(c1, fastCont);
	b.CreateCondBr(b.CreateICmpULT(c1, n), fHeader, dispatch)
		->setMetadata(kDoneMD, MDNode::get(ctx, {}));

	/* The original loop runs one iteration per dispatch. */
	for (unsigned int s = 0; s < 2; s++)
		if (latchBr->getSuccessor(s) == header)
			latchBr->setSuccessor(s, slowCont);
	b.SetInsertPoint(slowCont);
	b.CreateBr(dispatch);

	/* Wire the dispatch phis. */
	it->addIncoming(b.getInt64(0), pre);
	{
		IRBuilder<> bf(fastCont->getTerminator());
		it->addIncoming(bf.CreateAdd(it, n), fastCont);
		IRBuilder<> bs(slowCont->getTerminator());
		it->addIncoming(bs.CreateAdd(it, bs.getInt64(1)), slowCont);
	}
	for (size_t k = 0; k < phis.size(); k++) {
		PHINode *p = phis[k];
		Value *init = p->getIncomingValueForBlock(pre);
		Value *next = p->getIncomingValueForBlock(latch);
		Value *fnext = next;

		if (Value *m = vmap.lookup(next))
			fnext = m;
		carried[k]->addIncoming(init, pre);
		carried[k]->addIncoming(fnext, fastCont);
		carried[k]->addIncoming(next, slowCont);
		/* The original header is entered from dispatch only. */
		p->removeIncomingValue(latch, false);
		p->setIncomingBlock(p->getBasicBlockIndex(pre), dispatch);
		p->setIncomingValue(p->getBasicBlockIndex(dispatch), carried[k]);
	}
	preTerm->replaceUsesOfWith(header, dispatch);

	/* The exit's LCSSA phis get the fast clone's values. */
	for (PHINode &p : exitBB->phis()) {
		Value *v = p.getIncomingValueForBlock(latch);
		Value *m = vmap.lookup(v);

		p.addIncoming(m ? m : v, fLatch);
	}
	(void)li;
	(void)dt;
	return true;
}

bool isDone(const Loop *l)
{
	const BasicBlock *latch = l->getLoopLatch();

	return latch && latch->getTerminator()->getMetadata(kDoneMD);
}

/* One work-group function; returns the loops strip-mined. */
unsigned int hoistFunction(Function &f, const Function *translate,
			   Analyses &a)
{
	unsigned int done = 0;

	if (!inlineAll(f, translate))
		return 0;
	simplify(f, a);
	forwardGeometry(f, translate);
	simplify(f, a);
	if (!translate)
		return 0;

	for (unsigned int round = 0; round < kMaxLoops; round++) {
		DominatorTree &dt = a.fam.getResult<DominatorTreeAnalysis>(f);
		LoopInfo &li = a.fam.getResult<LoopAnalysis>(f);
		ScalarEvolution &se = a.fam.getResult<ScalarEvolutionAnalysis>(f);
		AssumptionCache &ac = a.fam.getResult<AssumptionAnalysis>(f);
		bool changed = false;

		(void)ac;
		for (Loop *l : li.getLoopsInPreorder()) {
			SmallVector<Site, 8> sites;

			if (!l->isInnermost() || isDone(l))
				continue;
			simplifyLoop(l, &dt, &li, &se, &ac, nullptr, false);
			if (!l->isLoopSimplifyForm())
				continue;
			formLCSSA(*l, dt, &li, &se);
			if (!collectSites(l, translate, se, dt, sites))
				continue;
			if (stripMine(l, sites, li, dt, se, f)) {
				done++;
				changed = true;
				break;
			}
		}
		a.fam.invalidate(f, PreservedAnalyses::none());
		if (!changed)
			break;
	}
	return done;
}

} // namespace

extern "C" int clc_hoist_probes(LLVMModuleRef mref, unsigned int *hoisted)
{
	Module *mod = unwrap(mref);
	Function *translate = mod->getFunction(kTranslate);
	unsigned int n = 0;
	Analyses a;

	for (Function &f : *mod) {
		if (f.isDeclaration() || !f.getName().starts_with(kWgPrefix) ||
		    f.arg_size() != 2)
			continue;
		n += hoistFunction(f, translate, a);
	}
	/* The markers have done their job. */
	for (Function &f : *mod)
		for (BasicBlock &bb : f)
			bb.getTerminator()->setMetadata(kDoneMD, nullptr);
	if (hoisted)
		*hoisted = n;
	return 0;
}
