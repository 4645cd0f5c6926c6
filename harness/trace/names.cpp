#include "harness/trace/names.hpp"

#include "harness/trace/overload.hpp"

namespace nsleak::trace {

const char* role_name(MRole r) {
  switch (r) {
    case MRole::M0: return "m0";
    case MRole::Sysmon: return "sysmon";
    case MRole::Template: return "template";
    case MRole::Pool: return "pool";
    case MRole::Startm: return "startm";
    case MRole::InheritSpawn: return "inherit-spawn";
  }
  return "?";
}

const char* via_name(CloneVia v) { return v == CloneVia::Template ? "template" : "direct"; }

const char* fate_name(GExitFate f) {
  switch (f) {
    case GExitFate::None: return "none";
    case GExitFate::Pool: return "pool";
    case GExitFate::Wedge: return "wedge";
    case GExitFate::Exit: return "exit";
  }
  return "?";
}

const char* choice_kind_name(ChoiceKind k) {
  switch (k) {
    case ChoiceKind::RunM: return "run-m";
    case ChoiceKind::PickG: return "pick-g";
    case ChoiceKind::Preempt: return "preempt";
    case ChoiceKind::Startm: return "startm";
    case ChoiceKind::StealWork: return "steal";
    case ChoiceKind::Gosched: return "gosched";
    case ChoiceKind::WakeP: return "wakep";
    case ChoiceKind::Retake: return "retake";
    case ChoiceKind::RunTimer: return "runtimer";
  }
  return "?";
}

const char* source_name(GSource s) {
  switch (s) {
    case GSource::Runnext: return "runnext";
    case GSource::Local: return "local";
    case GSource::Global: return "global";
    case GSource::Steal: return "steal";
    case GSource::StealRunnext: return "steal-runnext";
  }
  return "?";
}

const char* action_name(PreemptAction a) {
  switch (a) {
    case PreemptAction::Continue: return "continue";
    case PreemptAction::Yield: return "yield-m";
    case PreemptAction::Preempt: return "preempt-g";
  }
  return "?";
}

const char* gosched_taker_name(GoschedTaker t) { return t == GoschedTaker::Self ? "self" : "other"; }
const char* wakep_action_name(WakePAction a) { return a == WakePAction::Run ? "run" : "wait"; }
const char* retake_action_name(RetakeAction a) { return a == RetakeAction::Keep ? "keep" : "retake"; }

const char* option_action_name(ChoiceKind k, std::uint8_t detail) {
  switch (k) {
    case ChoiceKind::Preempt:
      return detail <= static_cast<std::uint8_t>(PreemptAction::Preempt) ? action_name(static_cast<PreemptAction>(detail))
                                                                         : nullptr;
    case ChoiceKind::Gosched:
      return detail <= static_cast<std::uint8_t>(GoschedTaker::Other) ? gosched_taker_name(static_cast<GoschedTaker>(detail)) : nullptr;
    case ChoiceKind::WakeP:
      return detail <= static_cast<std::uint8_t>(WakePAction::Wait) ? wakep_action_name(static_cast<WakePAction>(detail)) : nullptr;
    case ChoiceKind::Retake:
      return detail <= static_cast<std::uint8_t>(RetakeAction::Retake) ? retake_action_name(static_cast<RetakeAction>(detail)) : nullptr;
    default: return nullptr;
  }
}

bool choice_kind_from_name(std::string_view name, ChoiceKind& out) {
  for (std::uint8_t k = 0; k < kMaxChoiceKinds; ++k) {
    const char* n = choice_kind_name(static_cast<ChoiceKind>(k));
    if (n != nullptr && std::string_view(n) != "?" && name == n) {
      out = static_cast<ChoiceKind>(k);
      return true;
    }
  }
  return false;
}

const char* wait_name(WaitReason w) {
  switch (w) {
    case WaitReason::None: return "";
    case WaitReason::ChanSend: return "chan send";
    case WaitReason::ChanReceive: return "chan receive";
    case WaitReason::WaitGroupWait: return "sync.WaitGroup.Wait";
    case WaitReason::Sleep: return "sleep";
  }
  return "?";
}

const char* fault_name(FaultKind f) {
  switch (f) {
    case FaultKind::Throw: return "throw";
    case FaultKind::Fatal: return "fatal";
    case FaultKind::Limit: return "limit";
  }
  return "?";
}

const char* event_name(const Body& b) {
  return std::visit(
      trace::Overload{[](const SandboxReady&) { return "sandbox"; }, [](const EnvError&) { return "env-error"; },
               [](const TaskState&) { return "task"; }, [](const Disagreement&) { return "disagreement"; },
               [](const Start&) { return "start"; }, [](const NewProc&) { return "newproc"; },
               [](const Execute&) { return "execute"; }, [](const Ready&) { return "ready"; },
               [](const Park&) { return "park"; }, [](const HandoffP&) { return "handoffp"; },
               [](const StartM&) { return "startm"; }, [](const StopLockedM&) { return "stoplockedm"; },
               [](const StartLockedM&) { return "startlockedm"; }, [](const NewM&) { return "newm"; },
               [](const NewmHandoff&) { return "newm-handoff"; }, [](const MStart&) { return "mstart"; },
               [](const Wedge&) { return "wedge"; }, [](const MExit&) { return "mexit"; },
               [](const GExit&) { return "gexit"; }, [](const EnterSyscall&) { return "entersyscall"; },
               [](const ExitSyscall&) { return "exitsyscall"; }, [](const Timers&) { return "timers"; },
               [](const StrictUnlockKill&) { return "strict-unlock-kill"; },
               [](const UnlockSkipped&) { return "unlock-skipped"; }, [](const Choice&) { return "choice"; },
               [](const Exit&) { return "exit"; }, [](const Fault&) { return "fault"; },
               [](const Op&) { return "op"; }, [](const OpState&) { return "op-state"; },
               [](const Note&) { return "note"; }, [](const ChoiceOption&) { return "choice-option"; },
               [](const SandboxViolation&) { return "sandbox-violation"; },
               [](const Orphans&) { return "partial"; }},
      b);
}

}  // namespace nsleak::trace
