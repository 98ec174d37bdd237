// Roles, as the server orders them: each may do everything the one before it may.
export const kRoles = ['viewer', 'sales', 'analyst', 'credit_manager', 'admin'] as const;
export type Role = (typeof kRoles)[number];

export function atLeast(role: Role | undefined, needed: Role): boolean {
  if (!role) return false;
  return kRoles.indexOf(role) >= kRoles.indexOf(needed);
}

// What the console offers to whom; the server checks the same roles on every request.
export const kPermissions = {
  changeLimit: 'credit_manager',
  changeStatus: 'credit_manager',
  decideHolds: 'credit_manager',
  manageUsers: 'admin',
  manageTokens: 'admin',
} as const satisfies Record<string, Role>;

export function can(role: Role | undefined, action: keyof typeof kPermissions): boolean {
  return atLeast(role, kPermissions[action]);
}

// The pages added with the dashboard: what each role may do there (docs/console.md).
export const kPagePermissions = {
  requestLimit: 'sales',
  decideLimitRequests: 'analyst',
  acknowledgeAlerts: 'credit_manager',
  readReports: 'analyst',
  importData: 'credit_manager',
  editScorecard: 'credit_manager',
  manageMonitoring: 'admin',
  editAssessmentPolicy: 'admin',
} as const satisfies Record<string, Role>;

export function mayDo(role: Role | undefined, action: keyof typeof kPagePermissions): boolean {
  return atLeast(role, kPagePermissions[action]);
}
