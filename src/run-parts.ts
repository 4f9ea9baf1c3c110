/**
 * What a run went through, as the bundle (main, the session) reports it to the launcher
 * (src/boot.ts) through the process: the code cache records which parts its code holds and grows
 * when a run went through one it lacks. Two bundles in one process: an event is what they share.
 */
export const RUN_PARTS = ['command', 'passthrough', 'session', 'request'] as const;
export type RunPart = (typeof RUN_PARTS)[number];

/** The process event that carries a RunPart from the bundle (cli.ts) to the launcher. */
export const RUN_PART_EVENT = 'codex-wrap:ran';

/** The bit of a part in a code cache's header. Pure. */
export const partBit = (part: RunPart): number => 1 << RUN_PARTS.indexOf(part);
