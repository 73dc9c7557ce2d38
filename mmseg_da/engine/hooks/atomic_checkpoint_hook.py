"""mmengine's CheckpointHook, reordered so that a kill at any moment leaves a resumable work dir."""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmseg.registry import HOOKS

from mmseg_da.fileio.atomic_files import write_text_atomically


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """A ``CheckpointHook`` that never lets ``last_checkpoint`` name an incomplete or deleted file.

    mmengine's hook deletes the oldest kept checkpoint *before* writing the new one, then rewrites
    ``last_checkpoint`` in place; a kill in between leaves ``last_checkpoint`` naming a deleted file (with
    ``max_keep_ckpts=1``, no checkpoint at all). Here the new checkpoint is written first (atomically, by
    :class:`~mmseg_da.engine.runner.DARunner`), then ``last_checkpoint`` is replaced atomically, and only
    then is the outdated checkpoint removed. The arguments are those of mmengine's ``CheckpointHook``.
    """

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if not getattr(runner, 'atomic_checkpoints', False):
            runner.logger.warning(f'{type(runner).__name__} writes checkpoints in place: a kill during a save '
                                  "can leave a partial file (set runner_type='DARunner').")

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        outdated = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        write_text_atomically(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if outdated is not None:
            path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(outdated))
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):  # checkpoints saved by deepspeed are directories
                self.file_backend.rmtree(path)
