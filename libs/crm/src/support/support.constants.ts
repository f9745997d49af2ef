import type { ProgrammeLine, SupportKind } from '../crm.constants';

/** The programme line whose year plan target each kind of support counts towards (see DOMAIN.md). */
export const DEFAULT_PROGRAMME_LINE: Record<SupportKind, ProgrammeLine> = {
  innovation_trajectory: 'innovation',
  cluster: 'innovation',
  cooperation_project: 'innovation',
  funding_support: 'innovation',
  startup_plan_support: 'entrepreneurship',
  strategy_plan_support: 'entrepreneurship',
  training_trajectory: 'labour_market',
};

/** The audit log's name for a support record. */
export const SUPPORT_RECORD_ENTITY = 'support_record';
