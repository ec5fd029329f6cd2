from faceitbot.queue.worker import JobSpec, Retry, TaskQueue

__all__ = ["JobSpec", "Retry", "TaskQueue"]
