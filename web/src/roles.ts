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
