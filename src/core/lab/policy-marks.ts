/**
 * The packet mark bits the lab's policy chains use, as Felix allocates them under its default
 * mark mask 0xffff0000 (projectcalico/calico felix/dataplane/driver.go: accept, then pass, then
 * drop, each the next free single bit).
 */
export const POLICY_ACCEPT_MARK = 0x10000;
export const POLICY_PASS_MARK = 0x20000;
export const POLICY_DROP_MARK = 0x40000;
