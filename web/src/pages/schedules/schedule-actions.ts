/** The changes a schedule page makes: run now, enable/disable, delete (the server checks each again). */
import { api } from '../../api/client';
import type { Job } from '../../api/types';
import type { Schedule } from './schedule-api';

export function runNow(schedule: Schedule): Promise<Job> {
  return api<Job>(`/schedules/${schedule.id}/run`, { method: 'POST' });
}

export function setEnabled(schedule: Schedule, enabled: boolean): Promise<Schedule> {
  return api<Schedule>(`/schedules/${schedule.id}`, { method: 'PATCH', body: { enabled }, idempotent: true });
}

export function deleteSchedule(schedule: Schedule): Promise<void> {
  return api<void>(`/schedules/${schedule.id}`, { method: 'DELETE', idempotent: true });
}
