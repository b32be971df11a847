/** Where the reader is: the library's root, then each folder down to this one (the last is the current page). */
import { Link } from '../../components/link';
import { folderHref, type Order } from './library-api';

export function FileBreadcrumbs({ libraryId, libraryName, path, order }: { libraryId: string; libraryName: string; path: string; order: Order }) {
  const segments = path.split('/').filter((segment) => segment !== '');
  const crumbs = [{ label: libraryName, path: '/' }, ...segments.map((segment, i) => ({ label: segment, path: `/${segments.slice(0, i + 1).join('/')}` }))];
  return (
    <nav aria-label="Folder path" className="breadcrumbs">
      <ol>
        {crumbs.map((crumb, i) => (
          <li key={crumb.path}>
            {i === crumbs.length - 1 ? (
              <span aria-current="page">{crumb.label}</span>
            ) : (
              <Link href={folderHref(libraryId, crumb.path, order)}>{crumb.label}</Link>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}
