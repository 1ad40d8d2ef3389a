// TrueMatch group routes (/api/groups) and group messages (/api/messages/:groupId/...).
import { Router } from "express";
import type { GroupService } from "../groups/group.service.ts";
import { AddMemberBody, GroupId, GroupList, GroupMemberParams, GroupParams, GroupSchema, ListGroupsQuery, SetRoleBody, UpdateGroupBody, UpsertGroupBody } from "../groups/group.schemas.ts";
import { z } from "../shared/zod.ts";
import { defineRoute, type RouteKit } from "./route.ts";
import { mountMessageRoutes, type MessageRouteOptions } from "./conversation-messages.routes.ts";

export function groupsRouter(kit: Omit<RouteKit, "router">, groups: GroupService): Router {
  const r: RouteKit = { ...kit, router: Router() };
  const tag = "groups";
  const notManager = "The caller is not the group's owner or an admin";
  const missing = "No group has this id, or it is private and the caller is not a member";
  defineRoute(r, { method: "get", path: "/", summary: "Public groups and the caller's groups (?mine=true: only the caller's), with unread counts", tag, auth: true, query: ListGroupsQuery, response: GroupList },
    ({ caller, query }) => groups.list(caller.userId, query.mine === "true"));
  defineRoute(
    r,
    {
      method: "post",
      path: "/",
      summary: "Create a group, or update it when group_id exists and you manage it",
      tag,
      auth: true,
      body: UpsertGroupBody,
      response: GroupSchema,
      status: 201,
      description: "Created",
      alsoStatus: { status: 200, description: "Updated: a group with this group_id existed and the caller manages it" },
      errors: {
        400: "Invalid input, or member_ids names a user that does not exist",
        403: "The group_id exists and the caller is not its owner or an admin",
        404: "The group_id exists, is private and the caller is not a member",
        409: "Another request created a group with this group_id at the same moment",
      },
    },
    async ({ caller, body, res }) => {
      const { group, created } = await groups.upsert(caller.userId, body);
      if (!created) res.status(200);
      return group;
    },
  );
  defineRoute(r, { method: "get", path: "/:groupId", summary: "One group (private groups: members only)", tag, auth: true, params: GroupParams, response: GroupSchema, errors: { 404: missing } },
    ({ caller, params }) => groups.get(caller.userId, params.groupId));
  defineRoute(r, { method: "put", path: "/:groupId", summary: "Update a group (owner or admin)", tag, auth: true, params: GroupParams, body: UpdateGroupBody, response: GroupSchema, errors: { 403: notManager, 404: missing } },
    ({ caller, params, body }) => groups.update(caller.userId, params.groupId, body));
  defineRoute(r, { method: "delete", path: "/:groupId", summary: "Delete a group and its messages (owner)", tag, auth: true, params: GroupParams, status: 204, errors: { 403: "The caller is not the owner", 404: missing } },
    ({ caller, params }) => groups.remove(caller.userId, params.groupId));
  defineRoute(r, { method: "post", path: "/:groupId/join", summary: "Join a public group (a member joining again gets the group as it is)", tag, auth: true, params: GroupParams, response: GroupSchema, errors: { 404: missing } },
    ({ caller, params }) => groups.join(caller.userId, params.groupId));
  defineRoute(r, { method: "post", path: "/:groupId/leave", summary: "Leave a group", tag, auth: true, params: GroupParams, response: GroupSchema, errors: { 400: "The owner cannot leave; delete the group instead", 404: `${missing}; or the caller is not a member` } },
    ({ caller, params }) => groups.removeMember(caller.userId, params.groupId, caller.userId));
  defineRoute(r, { method: "post", path: "/:groupId/members", summary: "Add (invite) a member (owner or admin; only the owner makes admins)", tag, auth: true, params: GroupParams, body: AddMemberBody, response: GroupSchema, errors: { 400: "Invalid input; or the user is already a member or does not exist", 403: `${notManager}; or an admin tried to add an admin`, 404: missing } },
    ({ caller, params, body }) => groups.addMember(caller.userId, params.groupId, body.user_id, body.role));
  defineRoute(r, { method: "put", path: "/:groupId/members/:userId", summary: "Change a member's role (owner)", tag, auth: true, params: GroupMemberParams, body: SetRoleBody, response: GroupSchema, errors: { 400: "Invalid input, or the owner's own role", 403: "The caller is not the owner", 404: `${missing}; or the user is not a member` } },
    ({ caller, params, body }) => groups.setRole(caller.userId, params.groupId, params.userId, body.role));
  defineRoute(r, { method: "delete", path: "/:groupId/members/:userId", summary: "Remove a member (owner or admin; only the owner removes admins)", tag, auth: true, params: GroupMemberParams, response: GroupSchema, errors: { 400: "The owner cannot be removed", 403: `${notManager}; or an admin tried to remove an admin`, 404: `${missing}; or the user is not a member` } },
    ({ caller, params }) => groups.removeMember(caller.userId, params.groupId, params.userId));
  return r.router;
}

export function groupMessagesRouter(kit: Omit<RouteKit, "router">, messages: Omit<MessageRouteOptions, "tag" | "param" | "idSchema" | "paths">): Router {
  const r: RouteKit = { ...kit, router: Router() };
  mountMessageRoutes(r, {
    ...messages,
    tag: "group messages",
    param: "groupId",
    forbidden: "A public group the caller has not joined",
    // Send, edit and react alike: a muted member cannot post in any form (group.policy.ts).
    writeRefused: { 403: "muted_in_group: a group admin muted the caller until `details.until`" },
    idSchema: GroupId as z.ZodType<string>,
    paths: {
      latest: "/:groupId/latest",
      history: "/:groupId/history",
      post: "/:groupId",
      item: "/:groupId/:messageId",
      reactions: "/:groupId/:messageId/reactions",
      byId: "/:groupId/by-id/:messageId",
      byTs: "/:groupId/by-ts/:timestamp",
      read: "/:groupId/read",
      mute: "/:groupId/mute",
    },
  });
  return r.router;
}
