import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A finished upload, as the application keeps it. */
@Entity('uploads')
export class UploadEntity {
  @PrimaryColumn('varchar')
  id!: string;

  @Column('varchar')
  filename!: string;

  @Column('varchar')
  filetype!: string;

  @Column('integer')
  size!: number;

  @Column('varchar')
  owner!: string;

  /** Where the bytes are, relative to the upload directory. */
  @Column('varchar')
  path!: string;

  @Column('datetime')
  completedAt!: Date;

  @Column('integer')
  durationMs!: number;
}
